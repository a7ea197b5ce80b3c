/**
 * Short labels for the topology's endpoint nodes that keep what tells endpoints apart. A node has
 * room for about two dozen characters, and `connect tcp://127.0.0.1:40291` cut at the end loses
 * the port, which is the one part that differs between two connects on one machine. So the labels
 * drop what every endpoint in the picture shares instead: the scheme (the edge label names the
 * transport), then the host; when one is still too long, its middle gives way, never its end. The
 * full endpoint is in each node's title. Pure: no DOM.
 */

/** An endpoint cut into what may be shared and what tells it apart. */
interface EndpointParts {
  /** `tcp`, `ipc`, `ws`…; '' when the text has no `scheme://`. */
  readonly scheme: string;
  /** The host of a tcp/ws/wss/udp endpoint (`127.0.0.1`, `[::1]`, `*`); '' for ipc and inproc. */
  readonly host: string;
  /** The rest: `:40291`, `:8080/zmq`, `/tmp/a.sock`, `name`. */
  readonly rest: string;
}

/** Transports whose address is `host:port` (ws and wss with an optional path after it). */
const HOST_PORT = new Set(['tcp', 'ws', 'wss', 'udp']);

function partsOf(endpoint: string): EndpointParts {
  const m = /^([a-z][a-z0-9+.-]*):\/\/(.*)$/is.exec(endpoint);
  if (m === null) return { scheme: '', host: '', rest: endpoint };
  const scheme = m[1];
  const address = m[2];
  if (!HOST_PORT.has(scheme.toLowerCase())) return { scheme, host: '', rest: address };
  const slash = address.indexOf('/');
  const authority = slash < 0 ? address : address.slice(0, slash);
  const colon = authority.lastIndexOf(':');
  // No port (or the colon is inside an IPv6 literal): nothing to tell apart from the host.
  if (colon < 0 || authority.endsWith(']')) return { scheme, host: '', rest: address };
  return { scheme, host: authority.slice(0, colon), rest: address.slice(colon) };
}

/** Cuts the middle out of `text` (keeping `head` characters of its start) so it fits `max`, with "…". */
export function elideMiddle(text: string, max: number, head = Math.floor(max / 3)): string {
  if (text.length <= max) return text;
  const start = Math.min(head, max - 2);
  return `${text.slice(0, start)}…${text.slice(text.length - (max - 1 - start))}`;
}

/** One endpoint node: its role and endpoint. */
export interface EndpointNode {
  readonly role: 'bind' | 'connect';
  readonly endpoint: string;
}

/**
 * The label of each node (same order), at most `max` characters: `connect tcp://127.0.0.1:5555`
 * when it fits; else, for all of them alike, without the scheme they all share (`connect
 * 127.0.0.1:5555`), then, when there are several, without the host they all share (`connect
 * :5555`); and with the middle of a label cut out when even that does not fit.
 */
export function endpointLabels(nodes: readonly EndpointNode[], max: number): string[] {
  const parts = nodes.map((n) => partsOf(n.endpoint));
  const sameScheme = parts.length > 0 && parts.every((p) => p.scheme !== '' && p.scheme === parts[0].scheme);
  // Dropping the host says something only when several endpoints share it (the port tells them apart).
  const several = new Set(nodes.map((n) => n.endpoint)).size > 1;
  const sameHost = sameScheme && several && parts.every((p) => p.host !== '' && p.host === parts[0].host);
  const levels: ((p: EndpointParts, n: EndpointNode) => string)[] = [(_, n) => n.endpoint];
  if (sameScheme) levels.push((p) => (p.host === '' ? p.rest : `${p.host}${p.rest}`));
  if (sameHost) levels.push((p) => p.rest);
  // One level for every node, so that the labels read alike: the first at which all of them fit.
  let labels: string[] = [];
  for (const address of levels) {
    labels = nodes.map((n, i) => `${n.role} ${address(parts[i], n)}`);
    if (labels.every((l) => l.length <= max)) return labels;
  }
  // The role stays, then "…", then as much of the end as fits: the end is what differs.
  return labels.map((l, i) => elideMiddle(l, max, nodes[i].role.length + 1));
}
