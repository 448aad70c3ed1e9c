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

  /** Reads the store again and shows the document (rendered; as text where Markdown's preview is missing). */
  async show(): Promise<string> {
    this.text = recordedDataMarkdown(await this.gather());
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
