/**
 * Where the debugger's Export writes, and in which format. Without tap traffic in the buffer it is
 * the NDJSON export straight away; with some, a quick pick offers first the pcapng capture Wireshark
 * ≥ 4.4 opens as ZMTP with no configuration (EXPORTED_PDU records, the default), then the one with
 * synthesized Ethernet/IPv4/TCP for older Wireshark and other tools, then NDJSON. Both captures are
 * written by the core tap's `PcapngCapture` (through the session).
 */
import * as vscode from 'vscode';
import type { CaptureFormat } from '../core/index';
import type { CaptureExport } from './session-api';
import { exportFileName } from './traffic-export';

type ExportFormat = CaptureFormat | 'ndjson';

const FORMAT_ITEMS: readonly (vscode.QuickPickItem & { readonly format: ExportFormat })[] = [
  { format: 'zmtp', label: 'pcapng for Wireshark 4.4 or later', detail: 'The tap traffic as ZMTP: Wireshark decodes it with no configuration (greetings, READY, messages)' },
  { format: 'tcp', label: 'pcapng with synthesized TCP', detail: 'The tap traffic in TCP packets, for older Wireshark and other tools (Decode As… ZMTP on the port)' },
  { format: 'ndjson', label: 'NDJSON', detail: 'Every frame in the buffer, of sockets and taps: one JSON object per line, bytes in base64' },
];

const EXTENSIONS: Readonly<Record<ExportFormat, string>> = { zmtp: 'pcapng', tcp: 'pcapng', ndjson: 'ndjson' };

/** Asks for the format (when there is tap traffic) and the file, writes it; resolves with its path, or null when cancelled. */
export async function saveTrafficExport(ndjson: string, capture: CaptureExport | undefined): Promise<string | null> {
  let format: ExportFormat = 'ndjson';
  // The default capture, made once: it also says whether there is tap traffic at all.
  const zmtp = capture?.('zmtp') ?? null;
  if (zmtp !== null) {
    const picked = await vscode.window.showQuickPick(FORMAT_ITEMS, { title: 'Export ZMQ traffic as', ignoreFocusOut: true });
    if (picked === undefined) return null;
    format = picked.format;
  }
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  const name = exportFileName(Date.now(), EXTENSIONS[format], format === 'tcp' ? '-tcp' : '');
  const target = await vscode.window.showSaveDialog({
    title: format === 'ndjson' ? 'Export ZMQ traffic' : 'Export the tap traffic for Wireshark',
    filters: format === 'ndjson' ? { 'NDJSON': ['ndjson', 'jsonl'] } : { 'pcapng': ['pcapng'] },
    ...(folder !== undefined ? { defaultUri: vscode.Uri.joinPath(folder, name) } : {}),
  });
  if (target === undefined) return null;
  const bytes = format === 'zmtp' ? zmtp : format === 'tcp' ? (capture?.('tcp') ?? null) : null;
  await vscode.workspace.fs.writeFile(target, bytes ?? new TextEncoder().encode(ndjson));
  return target.fsPath;
}
