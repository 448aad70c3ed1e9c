// "Latent: Show Recorded Data": a read-only Markdown document (a virtual one: nothing to save, nothing written to
// disk) of what the store holds, shown rendered. Gathered anew each time it is asked for.
import * as vscode from 'vscode';
import { recordedDataMarkdown, type RecordedDataInfo } from './recordedDataText';

export const RECORDED_DATA_SCHEME = 'latent-recorded';

export class RecordedDataDocument implements vscode.TextDocumentContentProvider, vscode.Disposable {
  static readonly uri = vscode.Uri.from({ scheme: RECORDED_DATA_SCHEME, path: '/Latent recorded data.md' });
  private text = '';
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly registration: vscode.Disposable;

  constructor(private readonly gather: () => Promise<RecordedDataInfo>) {
    this.registration = vscode.workspace.registerTextDocumentContentProvider(RECORDED_DATA_SCHEME, this);
  }

  provideTextDocumentContent(): string {
    return this.text;
  }

  /**
   * Reads the store again and shows the document (rendered; as text where Markdown's preview is missing). A store
   * that cannot be read is said so in plain words, not as a failed command; resolves with the Markdown ('' then).
   */
  async show(): Promise<string> {
    let info: RecordedDataInfo;
    try {
      info = await this.gather();
    } catch (err) {
      void vscode.window.showErrorMessage(`Latent: could not read what is recorded here (${err instanceof Error ? err.message : String(err)}). Nothing was changed.`);
      return '';
    }
    this.text = recordedDataMarkdown(info);
    this.changed.fire(RecordedDataDocument.uri);
    const doc = await vscode.workspace.openTextDocument(RecordedDataDocument.uri);
    try {
      await vscode.commands.executeCommand('markdown.showPreview', doc.uri);
    } catch {
      await vscode.window.showTextDocument(doc, { preview: false });
    }
    return this.text;
  }

  dispose(): void {
    this.registration.dispose();
    this.changed.dispose();
  }
}
