// While tracking is paused, a status bar entry says so, wherever the Latent view is (a pause is kept across restarts,
// and a view that is closed tells nothing); a click resumes. Nothing is shown while recording.
import * as vscode from 'vscode';
import { COMMANDS } from '../commands';

export function pausedStatus(paused: boolean): vscode.StatusBarItem {
  const item = vscode.window.createStatusBarItem('latent.paused', vscode.StatusBarAlignment.Right, 100);
  item.name = 'Latent: Tracking Paused';
  item.text = '$(debug-pause) Latent paused';
  item.tooltip = 'Latent records nothing in this workspace while paused. Click to resume tracking.';
  item.accessibilityInformation = { label: 'Latent tracking is paused. Activate to resume tracking.', role: 'button' };
  item.command = COMMANDS.resume;
  if (paused) item.show();
  return item;
}
