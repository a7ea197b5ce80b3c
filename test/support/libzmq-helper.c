/*
 * libzmq-helper — a tiny, single-threaded driver for ONE real libzmq socket,
 * used by the interop tests (test/support/libzmq.ts) and the demo.
 *
 * Built by scripts/build-libzmq.sh against libzmq 4.3.4 compiled with the
 * DRAFT API (ZMQ_PEER, zmq_connect_peer, zmq_msg_{set_,}routing_id,
 * ZMQ_HELLO_MSG, ZMQ_DISCONNECT_MSG, ws://, wss://).
 *
 * ------------------------------------------------------------------------
 * Command mode (default): line commands on stdin, one reply line per command
 * on stdout (flushed after every line). Fields are separated by one space.
 * Binary payloads are lower/upper-case hex; an empty payload is written "-".
 *
 *   socket TYPE                 create the socket (PEER, SERVER, CLIENT,
 *                               DEALER, ROUTER, PAIR, REQ, REP, PUB, SUB,
 *                               XPUB, XSUB, PUSH, PULL, STREAM, RADIO, DISH,
 *                               GATHER, SCATTER, DGRAM, CHANNEL)   -> ok
 *   setsockopt NAME VALUE       NAME with or without the ZMQ_ prefix.
 *                               int options: VALUE decimal (or 0x hex);
 *                               int64 options (MAXMSGSIZE, AFFINITY): same;
 *                               binary/string options (HELLO_MSG,
 *                               DISCONNECT_MSG, ROUTING_ID, WSS_*_PEM,
 *                               WSS_HOSTNAME, METADATA, ...): VALUE hex.
 *                                                         -> ok | err ...
 *   getsockopt NAME             -> ok VALUE (int decimal; binary hex, "-" if
 *                               empty; LAST_ENDPOINT as plain text)
 *   bind EP                     -> ok LAST_ENDPOINT
 *   connect EP                  -> ok LAST_ENDPOINT
 *   connect_peer EP             -> ok ROUTING_ID        (decimal uint32)
 *   unbind EP / disconnect EP   -> ok
 *        (EP is the rest of the line, so it may contain spaces.)
 *   send ROUTING_ID HEX [more] [dontwait]
 *                               for PEER/SERVER the message gets
 *                               zmq_msg_set_routing_id(ROUTING_ID) unless
 *                               ROUTING_ID is 0 (then no id is set, and libzmq
 *                               answers EHOSTUNREACH); other types ignore it.
 *                               The call is a plain zmq_msg_send, so it blocks
 *                               according to ZMQ_SNDTIMEO.  -> ok NBYTES
 *   join GROUP / leave GROUP    zmq_join / zmq_leave (DISH; GROUP is the rest
 *                               of the line, as text)               -> ok
 *   send_group GROUP HEX        a message for RADIO: zmq_msg_set_group(GROUP)
 *                               then zmq_msg_send               -> ok NBYTES
 *   recv TIMEOUT_MS             wait up to TIMEOUT_MS (-1 = forever) while
 *                               still reporting monitor events.
 *                               -> msg ROUTING_ID HEX [more] | err EAGAIN 11
 *                               (ROUTING_ID is zmq_msg_routing_id, 0 if none;
 *                               "more" when ZMQ_RCVMORE is set.)
 *   monitor                     zmq_socket_monitor(ZMQ_EVENT_ALL) + PAIR
 *                               reader -> ok. From then on, events are printed
 *                               asynchronously (also while idle) as
 *                                 event NAME VALUE ENDPOINT
 *                               NAME without the ZMQ_EVENT_ prefix (CONNECTED,
 *                               HANDSHAKE_SUCCEEDED, ...), VALUE decimal
 *                               uint32 (also protocol error codes, e.g.
 *                               268435457 = 0x10000001), ENDPOINT "-" if empty.
 *   echo [verbose]              -> ok, then every received message is sent
 *                               back to the same routing id (multipart
 *                               messages frame by frame with the same MORE
 *                               flags, so ROUTER echoes work too). Commands
 *                               keep working (except recv -> err EBUSY).
 *                               With "verbose": a line
 *                                 echoed ROUTING_ID NBYTES
 *                               per echoed message; a failed echo prints
 *                                 echo_failed ROUTING_ID CODE ERRNO
 *                               (echo sends use ZMQ_DONTWAIT and retry for up
 *                               to 2 s on EAGAIN, so the helper never hangs).
 *   stop                        leave echo mode -> ok
 *   sleep MS                    wait, reporting events (and echoing) -> ok
 *   close                       zmq_close (socket's own ZMQ_LINGER), then
 *                               drain monitor events until MONITOR_STOPPED
 *                               (at most 1 s) -> ok
 *   quit                        close + zmq_ctx_term -> "ok", exit 0.
 *                               EOF on stdin = quit.
 *                               NB: zmq_ctx_term blocks while ZMQ_LINGER (-1
 *                               by default) keeps unsent messages alive.
 *   version                     -> ok MAJOR.MINOR.PATCH
 *   gets PROPERTY               zmq_msg_gets on the last message recv
 *                               returned (User-Id, Socket-Type, Peer-Address,
 *                               ZAP metadata...) -> ok HEX | err EINVAL 22
 *   z85_encode HEX              zmq_z85_encode -> ok TEXT | err EINVAL 22
 *   z85_decode TEXT             zmq_z85_decode -> ok HEX | err EINVAL 22
 *   curve_keypair               zmq_curve_keypair -> ok PUBLIC SECRET (Z85)
 *   curve_public SECRET         zmq_curve_public -> ok PUBLIC | err EINVAL 22
 *   zap CREDENTIAL STATUS [USER_ID [METADATA]]
 *                               bind (once) a ZAP handler: a REP socket at
 *                               inproc://zeromq.zap.01 in this context, served
 *                               by the helper's poll loop, and add a rule: a
 *                               request whose first credential (PLAIN user
 *                               name, CURVE client key; none for NULL) is
 *                               CREDENTIAL (hex; "*" = any) gets STATUS (200,
 *                               300, 400, 500 or anything else to send as is),
 *                               user id USER_ID and metadata METADATA (hex,
 *                               ZMTP property encoding; "-" = empty). The
 *                               first matching rule wins; no rule: 400.
 *                               -> ok. Each request is printed (while the
 *                               helper waits, like events) as
 *                                 zap_request MECHANISM DOMAIN ADDRESS
 *                                   IDENTITY CREDENTIAL...
 *                               with every field in hex ("-" = empty).
 *
 * Errors: "err CODE ERRNO" where CODE is the errno name (EADDRINUSE, ENODEV,
 * EINVAL, EHOSTUNREACH, ENOCOMPATPROTO, ...; "E<number>" when unknown) and
 * ERRNO its decimal value. Malformed commands: "err EBADCMD 0 <reason>".
 * Commands that need a socket before "socket": "err ENOTSOCK 88".
 *
 * Other lines the helper may print at any time: "event ...", "echoed ...",
 * "echo_failed ...", "zap_request ...". Everything else is the reply to the
 * current command.
 *
 * ------------------------------------------------------------------------
 * Standalone echo server:
 *   libzmq-helper --echo TYPE ENDPOINT [--connect] [--monitor] [--verbose]
 *                 [--set NAME=VALUE]... [--die-with-parent]
 * creates TYPE, applies the --set options (ZMQ_LINGER defaults to 0 here),
 * binds ENDPOINT (or connects with --connect; PEER uses zmq_connect_peer and
 * prints "ok LAST_ENDPOINT ROUTING_ID"), prints "ok LAST_ENDPOINT" and echoes
 * until SIGTERM/SIGINT (exit 0). stdin is ignored. --monitor prints events,
 * --verbose prints "echoed" lines.
 *
 *   libzmq-helper --check
 * prints "libzmq=X.Y.Z draft=0|1 ws=0|1 wss=0|1 curve=0|1 peer=0|1" and exits
 * 0 (peer=1 means a PEER socket could be created and bound to ws://).
 *
 * In command mode the helper asks the kernel to SIGKILL it when its parent
 * dies (PR_SET_PDEATHSIG), so test runs never leave helpers behind.
 */
#ifndef ZMQ_BUILD_DRAFT_API
#define ZMQ_BUILD_DRAFT_API
#endif
#define _GNU_SOURCE
#include <zmq.h>

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#ifndef ZMQ_PEER
#error "libzmq was built without the draft API (ZMQ_PEER missing)"
#endif

/* ------------------------------------------------------------------ state */

static void *g_ctx;
static void *g_sock;
static int g_sock_type = -1;
static void *g_mon;           /* PAIR reading the monitor, or NULL */
static int g_mon_counter;
static void *g_poller;        /* rebuilt when g_poller_dirty */
static bool g_poller_dirty = true;
static bool g_stdin_open = true;
static bool g_echo;
static bool g_echo_verbose;
static volatile sig_atomic_t g_stop_signal;
static zmq_msg_t g_last_msg;  /* the last message recv returned, for gets */
static bool g_have_last_msg;
static void *g_zap;           /* REP bound at inproc://zeromq.zap.01, or NULL */

/* stdin line buffer */
static char *g_in;
static size_t g_in_len, g_in_cap;

/* ----------------------------------------------------------------- output */

static void out_fail (void)
{
    /* stdout gone (parent died / pipe closed): nothing sensible left to do. */
    _exit (3);
}

static void out_str (const char *s)
{
    if (fputs (s, stdout) == EOF)
        out_fail ();
}

static void out_fmt (const char *fmt, ...)
{
    va_list ap;
    va_start (ap, fmt);
    if (vfprintf (stdout, fmt, ap) < 0)
        out_fail ();
    va_end (ap);
}

static void out_hex (const unsigned char *p, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    if (n == 0) {
        out_str ("-");
        return;
    }
    char buf[4096];
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        buf[k++] = digits[p[i] >> 4];
        buf[k++] = digits[p[i] & 15];
        if (k == sizeof buf) {
            if (fwrite (buf, 1, k, stdout) != k)
                out_fail ();
            k = 0;
        }
    }
    if (k && fwrite (buf, 1, k, stdout) != k)
        out_fail ();
}

static void out_end (void)
{
    if (fputc ('\n', stdout) == EOF || fflush (stdout) == EOF)
        out_fail ();
}

static void reply_line (const char *fmt, ...)
{
    va_list ap;
    va_start (ap, fmt);
    if (vfprintf (stdout, fmt, ap) < 0)
        out_fail ();
    va_end (ap);
    out_end ();
}

/* ----------------------------------------------------------------- errors */

static const char *errno_name (int e)
{
    switch (e) {
        case 0: return "OK";
        case EAGAIN: return "EAGAIN";
        case EINVAL: return "EINVAL";
        case EADDRINUSE: return "EADDRINUSE";
        case EADDRNOTAVAIL: return "EADDRNOTAVAIL";
        case ENODEV: return "ENODEV";
        case ENOENT: return "ENOENT";
        case EHOSTUNREACH: return "EHOSTUNREACH";
        case EPROTONOSUPPORT: return "EPROTONOSUPPORT";
        case ENAMETOOLONG: return "ENAMETOOLONG";
        case ENOTSOCK: return "ENOTSOCK";
        case ENOTSUP: return "ENOTSUP";
        case EFAULT: return "EFAULT";
        case EINTR: return "EINTR";
        case EMSGSIZE: return "EMSGSIZE";
        case ECONNREFUSED: return "ECONNREFUSED";
        case ECONNRESET: return "ECONNRESET";
        case ECONNABORTED: return "ECONNABORTED";
        case ETIMEDOUT: return "ETIMEDOUT";
        case ENOTCONN: return "ENOTCONN";
        case ENETDOWN: return "ENETDOWN";
        case ENETUNREACH: return "ENETUNREACH";
        case ENOBUFS: return "ENOBUFS";
        case ENOMEM: return "ENOMEM";
        case EACCES: return "EACCES";
        case EPERM: return "EPERM";
        case EPIPE: return "EPIPE";
        case EBUSY: return "EBUSY";
        case EAFNOSUPPORT: return "EAFNOSUPPORT";
        case EINPROGRESS: return "EINPROGRESS";
        case EMFILE: return "EMFILE";
        case EPROTO: return "EPROTO";
        case EBADF: return "EBADF";
        case ENOTDIR: return "ENOTDIR";
        case EISDIR: return "EISDIR";
        case EEXIST: return "EEXIST";
        case ENOCOMPATPROTO: return "ENOCOMPATPROTO";
        case EFSM: return "EFSM";
        case ETERM: return "ETERM";
        case EMTHREAD: return "EMTHREAD";
        default: return NULL;
    }
}

static void reply_err (int e)
{
    const char *name = errno_name (e);
    if (name)
        reply_line ("err %s %d", name, e);
    else
        reply_line ("err E%d %d", e, e);
}

static void reply_badcmd (const char *reason)
{
    reply_line ("err EBADCMD 0 %s", reason);
}

/* ------------------------------------------------------------------- misc */

static int64_t now_ms (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int hexval (int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Decode hex (or "-" = empty) into a malloc'd buffer. Returns false if bad. */
static bool parse_hex (const char *s, unsigned char **out, size_t *len)
{
    *out = NULL;
    *len = 0;
    if (s == NULL)
        return false;
    if (strcmp (s, "-") == 0) {
        *out = malloc (1);
        return *out != NULL;
    }
    size_t n = strlen (s);
    if (n % 2)
        return false;
    unsigned char *b = malloc (n / 2 + 1);
    if (!b)
        return false;
    for (size_t i = 0; i < n / 2; i++) {
        int hi = hexval ((unsigned char) s[2 * i]);
        int lo = hexval ((unsigned char) s[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            free (b);
            return false;
        }
        b[i] = (unsigned char) (hi << 4 | lo);
    }
    *out = b;
    *len = n / 2;
    return true;
}

static bool parse_i64 (const char *s, int64_t *v)
{
    if (s == NULL || *s == '\0')
        return false;
    char *end;
    errno = 0;
    const char *p = s;
    bool neg = false;
    if (*p == '-' || *p == '+') {
        neg = *p == '-';
        p++;
    }
    int base = 10;
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
        base = 16;
        p += 2;
    }
    if (*p == '\0' || *p == '-' || *p == '+')
        return false;
    unsigned long long u = strtoull (p, &end, base);
    if (errno || *end != '\0')
        return false;
    if (neg) {
        if (u > (unsigned long long) INT64_MAX + 1ULL)
            return false;
        *v = (int64_t) (0 - u);
    } else {
        *v = (int64_t) u;
    }
    return true;
}

/* ----------------------------------------------------------- socket types */

static const struct {
    const char *name;
    int type;
} socket_types[] = {
    {"PAIR", ZMQ_PAIR},     {"PUB", ZMQ_PUB},         {"SUB", ZMQ_SUB},
    {"REQ", ZMQ_REQ},       {"REP", ZMQ_REP},         {"DEALER", ZMQ_DEALER},
    {"ROUTER", ZMQ_ROUTER}, {"PULL", ZMQ_PULL},       {"PUSH", ZMQ_PUSH},
    {"XPUB", ZMQ_XPUB},     {"XSUB", ZMQ_XSUB},       {"STREAM", ZMQ_STREAM},
    {"SERVER", ZMQ_SERVER}, {"CLIENT", ZMQ_CLIENT},   {"RADIO", ZMQ_RADIO},
    {"DISH", ZMQ_DISH},     {"GATHER", ZMQ_GATHER},   {"SCATTER", ZMQ_SCATTER},
    {"DGRAM", ZMQ_DGRAM},   {"PEER", ZMQ_PEER},       {"CHANNEL", ZMQ_CHANNEL},
};

static int socket_type_from_name (const char *name)
{
    if (strncasecmp (name, "ZMQ_", 4) == 0)
        name += 4;
    for (size_t i = 0; i < sizeof socket_types / sizeof socket_types[0]; i++)
        if (strcasecmp (name, socket_types[i].name) == 0)
            return socket_types[i].type;
    return -1;
}

static bool uses_routing_id (int type)
{
    return type == ZMQ_PEER || type == ZMQ_SERVER;
}

/* ---------------------------------------------------------------- options */

enum opt_kind { OPT_INT, OPT_INT64, OPT_UINT64, OPT_BIN, OPT_STR };

static const struct {
    const char *name;
    int id;
    enum opt_kind kind;
} options[] = {
    /* int */
    {"LINGER", ZMQ_LINGER, OPT_INT},
    {"SNDHWM", ZMQ_SNDHWM, OPT_INT},
    {"RCVHWM", ZMQ_RCVHWM, OPT_INT},
    {"SNDTIMEO", ZMQ_SNDTIMEO, OPT_INT},
    {"RCVTIMEO", ZMQ_RCVTIMEO, OPT_INT},
    {"SNDBUF", ZMQ_SNDBUF, OPT_INT},
    {"RCVBUF", ZMQ_RCVBUF, OPT_INT},
    {"IMMEDIATE", ZMQ_IMMEDIATE, OPT_INT},
    {"RECONNECT_IVL", ZMQ_RECONNECT_IVL, OPT_INT},
    {"RECONNECT_IVL_MAX", ZMQ_RECONNECT_IVL_MAX, OPT_INT},
    {"RECONNECT_STOP", ZMQ_RECONNECT_STOP, OPT_INT},
    {"CONNECT_TIMEOUT", ZMQ_CONNECT_TIMEOUT, OPT_INT},
    {"HEARTBEAT_IVL", ZMQ_HEARTBEAT_IVL, OPT_INT},
    {"HEARTBEAT_TIMEOUT", ZMQ_HEARTBEAT_TIMEOUT, OPT_INT},
    {"HEARTBEAT_TTL", ZMQ_HEARTBEAT_TTL, OPT_INT},
    {"HANDSHAKE_IVL", ZMQ_HANDSHAKE_IVL, OPT_INT},
    {"IPV6", ZMQ_IPV6, OPT_INT},
    {"BACKLOG", ZMQ_BACKLOG, OPT_INT},
    {"TCP_KEEPALIVE", ZMQ_TCP_KEEPALIVE, OPT_INT},
    {"TCP_KEEPALIVE_IDLE", ZMQ_TCP_KEEPALIVE_IDLE, OPT_INT},
    {"TCP_KEEPALIVE_CNT", ZMQ_TCP_KEEPALIVE_CNT, OPT_INT},
    {"TCP_KEEPALIVE_INTVL", ZMQ_TCP_KEEPALIVE_INTVL, OPT_INT},
    {"TCP_MAXRT", ZMQ_TCP_MAXRT, OPT_INT},
    {"PLAIN_SERVER", ZMQ_PLAIN_SERVER, OPT_INT},
    {"CURVE_SERVER", ZMQ_CURVE_SERVER, OPT_INT},
    {"ZAP_ENFORCE_DOMAIN", ZMQ_ZAP_ENFORCE_DOMAIN, OPT_INT},
    {"ROUTER_MANDATORY", ZMQ_ROUTER_MANDATORY, OPT_INT},
    {"ROUTER_HANDOVER", ZMQ_ROUTER_HANDOVER, OPT_INT},
    {"ROUTER_NOTIFY", ZMQ_ROUTER_NOTIFY, OPT_INT},
    {"PROBE_ROUTER", ZMQ_PROBE_ROUTER, OPT_INT},
    {"REQ_RELAXED", ZMQ_REQ_RELAXED, OPT_INT},
    {"REQ_CORRELATE", ZMQ_REQ_CORRELATE, OPT_INT},
    {"CONFLATE", ZMQ_CONFLATE, OPT_INT},
    {"WSS_TRUST_SYSTEM", ZMQ_WSS_TRUST_SYSTEM, OPT_INT},
    {"IN_BATCH_SIZE", ZMQ_IN_BATCH_SIZE, OPT_INT},
    {"OUT_BATCH_SIZE", ZMQ_OUT_BATCH_SIZE, OPT_INT},
    {"MULTICAST_HOPS", ZMQ_MULTICAST_HOPS, OPT_INT},
    {"TOS", ZMQ_TOS, OPT_INT},
    /* read-only ints (getsockopt) */
    {"TYPE", ZMQ_TYPE, OPT_INT},
    {"RCVMORE", ZMQ_RCVMORE, OPT_INT},
    {"EVENTS", ZMQ_EVENTS, OPT_INT},
    {"THREAD_SAFE", ZMQ_THREAD_SAFE, OPT_INT},
    {"FD", ZMQ_FD, OPT_INT},
    {"MECHANISM", ZMQ_MECHANISM, OPT_INT},
    /* 64-bit */
    {"MAXMSGSIZE", ZMQ_MAXMSGSIZE, OPT_INT64},
    {"AFFINITY", ZMQ_AFFINITY, OPT_UINT64},
    /* binary / string (hex on the wire) */
    {"HELLO_MSG", ZMQ_HELLO_MSG, OPT_BIN},
    {"DISCONNECT_MSG", ZMQ_DISCONNECT_MSG, OPT_BIN},
    {"ROUTING_ID", ZMQ_ROUTING_ID, OPT_BIN},
    {"IDENTITY", ZMQ_ROUTING_ID, OPT_BIN},
    {"CONNECT_ROUTING_ID", ZMQ_CONNECT_ROUTING_ID, OPT_BIN},
    {"WSS_KEY_PEM", ZMQ_WSS_KEY_PEM, OPT_BIN},
    {"WSS_CERT_PEM", ZMQ_WSS_CERT_PEM, OPT_BIN},
    {"WSS_TRUST_PEM", ZMQ_WSS_TRUST_PEM, OPT_BIN},
    {"WSS_HOSTNAME", ZMQ_WSS_HOSTNAME, OPT_BIN},
    {"METADATA", ZMQ_METADATA, OPT_BIN},
    {"PLAIN_USERNAME", ZMQ_PLAIN_USERNAME, OPT_BIN},
    {"PLAIN_PASSWORD", ZMQ_PLAIN_PASSWORD, OPT_BIN},
    {"ZAP_DOMAIN", ZMQ_ZAP_DOMAIN, OPT_BIN},
    {"CURVE_PUBLICKEY", ZMQ_CURVE_PUBLICKEY, OPT_BIN},
    {"CURVE_SECRETKEY", ZMQ_CURVE_SECRETKEY, OPT_BIN},
    {"CURVE_SERVERKEY", ZMQ_CURVE_SERVERKEY, OPT_BIN},
    {"SOCKS_PROXY", ZMQ_SOCKS_PROXY, OPT_BIN},
    {"BINDTODEVICE", ZMQ_BINDTODEVICE, OPT_BIN},
    {"SUBSCRIBE", ZMQ_SUBSCRIBE, OPT_BIN},
    {"UNSUBSCRIBE", ZMQ_UNSUBSCRIBE, OPT_BIN},
    /* read-only string, printed as text */
    {"LAST_ENDPOINT", ZMQ_LAST_ENDPOINT, OPT_STR},
};

static int find_option (const char *name)
{
    if (strncasecmp (name, "ZMQ_", 4) == 0)
        name += 4;
    for (size_t i = 0; i < sizeof options / sizeof options[0]; i++)
        if (strcasecmp (name, options[i].name) == 0)
            return (int) i;
    return -1;
}

/* Returns 0 on success, -1 with errno set (EBADCMD-style problems: returns -2
 * and *why is set). */
static int apply_option (void *s, const char *name, const char *value,
                         const char **why)
{
    int idx = find_option (name);
    if (idx < 0) {
        *why = "unknown option";
        return -2;
    }
    int id = options[idx].id;
    switch (options[idx].kind) {
        case OPT_INT: {
            int64_t v;
            if (!parse_i64 (value, &v) || v < INT32_MIN || v > INT32_MAX) {
                *why = "bad integer";
                return -2;
            }
            int iv = (int) v;
            return zmq_setsockopt (s, id, &iv, sizeof iv);
        }
        case OPT_INT64:
        case OPT_UINT64: {
            int64_t v;
            if (!parse_i64 (value, &v)) {
                *why = "bad integer";
                return -2;
            }
            return zmq_setsockopt (s, id, &v, sizeof v);
        }
        case OPT_BIN:
        case OPT_STR: {
            unsigned char *b;
            size_t n;
            if (!parse_hex (value, &b, &n)) {
                *why = "bad hex";
                return -2;
            }
            int rc = zmq_setsockopt (s, id, b, n);
            int e = errno;
            free (b);
            errno = e;
            return rc;
        }
    }
    *why = "unsupported option kind";
    return -2;
}

/* ---------------------------------------------------------------- monitor */

static const char *event_name (unsigned ev)
{
    switch (ev) {
        case ZMQ_EVENT_CONNECTED: return "CONNECTED";
        case ZMQ_EVENT_CONNECT_DELAYED: return "CONNECT_DELAYED";
        case ZMQ_EVENT_CONNECT_RETRIED: return "CONNECT_RETRIED";
        case ZMQ_EVENT_LISTENING: return "LISTENING";
        case ZMQ_EVENT_BIND_FAILED: return "BIND_FAILED";
        case ZMQ_EVENT_ACCEPTED: return "ACCEPTED";
        case ZMQ_EVENT_ACCEPT_FAILED: return "ACCEPT_FAILED";
        case ZMQ_EVENT_CLOSED: return "CLOSED";
        case ZMQ_EVENT_CLOSE_FAILED: return "CLOSE_FAILED";
        case ZMQ_EVENT_DISCONNECTED: return "DISCONNECTED";
        case ZMQ_EVENT_MONITOR_STOPPED: return "MONITOR_STOPPED";
        case ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL: return "HANDSHAKE_FAILED_NO_DETAIL";
        case ZMQ_EVENT_HANDSHAKE_SUCCEEDED: return "HANDSHAKE_SUCCEEDED";
        case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL: return "HANDSHAKE_FAILED_PROTOCOL";
        case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH: return "HANDSHAKE_FAILED_AUTH";
        case ZMQ_EVENT_PIPES_STATS: return "PIPES_STATS";
        default: return NULL;
    }
}

/* Read and print all pending monitor events. Returns true if MONITOR_STOPPED
 * was seen. */
static bool drain_monitor (void)
{
    bool stopped = false;
    while (g_mon) {
        zmq_msg_t m1, m2;
        zmq_msg_init (&m1);
        if (zmq_msg_recv (&m1, g_mon, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close (&m1);
            break;
        }
        unsigned ev = 0;
        uint32_t value = 0;
        if (zmq_msg_size (&m1) >= 6) {
            const unsigned char *d = zmq_msg_data (&m1);
            uint16_t e16;
            memcpy (&e16, d, 2);
            memcpy (&value, d + 2, 4);
            ev = e16;
        }
        bool more = zmq_msg_more (&m1);
        zmq_msg_close (&m1);
        zmq_msg_init (&m2);
        const char *ep = "";
        size_t eplen = 0;
        if (more && zmq_msg_recv (&m2, g_mon, 0) >= 0) {
            ep = zmq_msg_data (&m2);
            eplen = zmq_msg_size (&m2);
        }
        const char *name = event_name (ev);
        if (name)
            out_fmt ("event %s %" PRIu32 " ", name, value);
        else
            out_fmt ("event UNKNOWN_0x%x %" PRIu32 " ", ev, value);
        if (eplen == 0)
            out_str ("-");
        else if (fwrite (ep, 1, eplen, stdout) != eplen)
            out_fail ();
        out_end ();
        zmq_msg_close (&m2);
        if (ev == ZMQ_EVENT_MONITOR_STOPPED)
            stopped = true;
    }
    return stopped;
}

static int start_monitor (void)
{
    if (g_mon)
        return 0;
    char ep[64];
    snprintf (ep, sizeof ep, "inproc://libzmq-helper-monitor-%d",
              ++g_mon_counter);
    if (zmq_socket_monitor (g_sock, ep, ZMQ_EVENT_ALL) != 0)
        return -1;
    void *pair = zmq_socket (g_ctx, ZMQ_PAIR);
    if (!pair)
        return -1;
    int zero = 0;
    zmq_setsockopt (pair, ZMQ_LINGER, &zero, sizeof zero);
    if (zmq_connect (pair, ep) != 0) {
        int e = errno;
        zmq_close (pair);
        errno = e;
        return -1;
    }
    g_mon = pair;
    g_poller_dirty = true;
    return 0;
}

static void close_monitor (void)
{
    if (!g_mon)
        return;
    drain_monitor ();
    zmq_close (g_mon);
    g_mon = NULL;
    g_poller_dirty = true;
}

/* -------------------------------------------------------------------- zap */

/* One ZAP rule (see the "zap" command); the first match wins. */
struct zap_rule {
    bool any;
    unsigned char *credential;
    size_t credential_len;
    char status[16];
    unsigned char *user_id;
    size_t user_id_len;
    unsigned char *metadata;
    size_t metadata_len;
};

static struct zap_rule *g_zap_rules;
static size_t g_zap_rule_count;

static int zap_bind (void)
{
    if (g_zap)
        return 0;
    void *rep = zmq_socket (g_ctx, ZMQ_REP);
    if (!rep)
        return -1;
    int zero = 0;
    zmq_setsockopt (rep, ZMQ_LINGER, &zero, sizeof zero);
    if (zmq_bind (rep, "inproc://zeromq.zap.01") != 0) {
        int e = errno;
        zmq_close (rep);
        errno = e;
        return -1;
    }
    g_zap = rep;
    g_poller_dirty = true;
    return 0;
}

static void zap_send_frame (const void *data, size_t size, bool more)
{
    zmq_send (g_zap, data, size, more ? ZMQ_SNDMORE : 0);
}

/* Answer every pending ZAP request by the rules, printing each request. */
static void serve_zap (void)
{
    while (g_zap) {
        zmq_msg_t frames[16];
        size_t count = 0;
        zmq_msg_init (&frames[0]);
        if (zmq_msg_recv (&frames[0], g_zap, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close (&frames[0]);
            return;
        }
        count = 1;
        while (zmq_msg_more (&frames[count - 1])) {
            zmq_msg_t part;
            zmq_msg_init (&part);
            zmq_msg_recv (&part, g_zap, 0);
            if (count < 16)
                frames[count++] = part;
            else
                zmq_msg_close (&part);
        }
        /* version, request id, domain, address, identity, mechanism, credentials... */
        out_str ("zap_request ");
        out_hex (count > 5 ? zmq_msg_data (&frames[5]) : NULL,
                 count > 5 ? zmq_msg_size (&frames[5]) : 0);
        for (size_t i = 2; i < count; i++) {
            if (i == 5)
                continue;
            out_str (" ");
            out_hex (zmq_msg_data (&frames[i]), zmq_msg_size (&frames[i]));
        }
        out_end ();
        const unsigned char *credential = count > 6 ? zmq_msg_data (&frames[6]) : NULL;
        size_t credential_len = count > 6 ? zmq_msg_size (&frames[6]) : 0;
        const struct zap_rule *rule = NULL;
        for (size_t r = 0; r < g_zap_rule_count && !rule; r++) {
            const struct zap_rule *candidate = &g_zap_rules[r];
            if (candidate->any
                || (count > 6 && candidate->credential_len == credential_len
                    && memcmp (candidate->credential, credential, credential_len) == 0))
                rule = candidate;
        }
        const char *version = "1.0";
        zap_send_frame (version, 3, true);
        zap_send_frame (count > 1 ? zmq_msg_data (&frames[1]) : "",
                        count > 1 ? zmq_msg_size (&frames[1]) : 0, true);
        const char *status = rule ? rule->status : "400";
        zap_send_frame (status, strlen (status), true);
        const char *text = rule ? "rule" : "no rule";
        zap_send_frame (text, strlen (text), true);
        zap_send_frame (rule ? rule->user_id : NULL, rule ? rule->user_id_len : 0, true);
        zap_send_frame (rule ? rule->metadata : NULL, rule ? rule->metadata_len : 0, false);
        for (size_t i = 0; i < count; i++)
            zmq_msg_close (&frames[i]);
    }
}

static void close_zap (void)
{
    if (!g_zap)
        return;
    zmq_close (g_zap);
    g_zap = NULL;
    g_poller_dirty = true;
}

/* ----------------------------------------------------------------- poller */

static void rebuild_poller (void)
{
    if (!g_poller_dirty && g_poller)
        return;
    if (g_poller)
        zmq_poller_destroy (&g_poller);
    g_poller = zmq_poller_new ();
    if (!g_poller) {
        fprintf (stderr, "libzmq-helper: zmq_poller_new: %s\n",
                 zmq_strerror (errno));
        exit (2);
    }
    if (g_stdin_open)
        zmq_poller_add_fd (g_poller, STDIN_FILENO, NULL, 0);
    if (g_sock)
        zmq_poller_add (g_poller, g_sock, NULL, 0);
    if (g_mon)
        zmq_poller_add (g_poller, g_mon, NULL, ZMQ_POLLIN);
    if (g_zap)
        zmq_poller_add (g_poller, g_zap, NULL, ZMQ_POLLIN);
    g_poller_dirty = false;
}

enum {
    WAKE_NONE = 0,
    WAKE_STDIN = 1,
    WAKE_SOCK = 2,
};

/* Wait up to timeout_ms (-1 forever) for stdin and/or socket readability,
 * printing monitor events meanwhile. Returns a WAKE_* bitmask (WAKE_NONE on
 * timeout or interruption by a signal). */
static int wait_for (bool want_stdin, bool want_sock, long timeout_ms)
{
    rebuild_poller ();
    want_stdin = want_stdin && g_stdin_open;
    want_sock = want_sock && g_sock;
    if (g_stdin_open)
        zmq_poller_modify_fd (g_poller, STDIN_FILENO,
                              want_stdin ? ZMQ_POLLIN : 0);
    if (g_sock)
        zmq_poller_modify (g_poller, g_sock, want_sock ? ZMQ_POLLIN : 0);

    int64_t deadline = timeout_ms < 0 ? -1 : now_ms () + timeout_ms;
    for (;;) {
        long left = -1;
        if (deadline >= 0) {
            int64_t d = deadline - now_ms ();
            left = d < 0 ? 0 : (long) d;
        }
        zmq_poller_event_t evs[4];
        int n = zmq_poller_wait_all (g_poller, evs, 4, left);
        if (n < 0) {
            if (errno == EAGAIN) /* timeout */
                return WAKE_NONE;
            if (errno == EINTR) {
                if (g_stop_signal)
                    return WAKE_NONE;
                continue;
            }
            fprintf (stderr, "libzmq-helper: zmq_poller_wait_all: %s\n",
                     zmq_strerror (errno));
            exit (2);
        }
        int wake = WAKE_NONE;
        for (int i = 0; i < n; i++) {
            if (evs[i].socket == NULL && evs[i].fd == STDIN_FILENO)
                wake |= WAKE_STDIN;
            else if (evs[i].socket == g_mon && g_mon)
                drain_monitor ();
            else if (evs[i].socket == g_zap && g_zap)
                serve_zap ();
            else if (evs[i].socket == g_sock && g_sock)
                wake |= WAKE_SOCK;
        }
        /* Event lines should precede any reply that this wake-up causes. */
        drain_monitor ();
        if (wake)
            return wake;
        if (deadline >= 0 && now_ms () >= deadline)
            return WAKE_NONE;
    }
}

/* ------------------------------------------------------------------- echo */

static void echo_pending (void)
{
    if (!g_sock)
        return;
    for (int budget = 0; budget < 1000; budget++) {
        zmq_msg_t msg;
        zmq_msg_init (&msg);
        int n = zmq_msg_recv (&msg, g_sock, ZMQ_DONTWAIT);
        if (n < 0) {
            zmq_msg_close (&msg);
            return;
        }
        uint32_t rid = zmq_msg_routing_id (&msg);
        int more = zmq_msg_more (&msg);
        size_t size = zmq_msg_size (&msg);
        if (uses_routing_id (g_sock_type) && rid != 0)
            zmq_msg_set_routing_id (&msg, rid);
        int flags = ZMQ_DONTWAIT | (more ? ZMQ_SNDMORE : 0);
        int64_t give_up = now_ms () + 2000;
        int rc;
        for (;;) {
            rc = zmq_msg_send (&msg, g_sock, flags);
            if (rc >= 0 || errno != EAGAIN || now_ms () >= give_up)
                break;
            /* Peer's queue is full: let libzmq make progress, keep printing
             * events, then retry. */
            wait_for (false, false, 1);
        }
        if (rc < 0) {
            int e = errno;
            const char *name = errno_name (e);
            reply_line ("echo_failed %" PRIu32 " %s %d", rid,
                        name ? name : "EUNKNOWN", e);
            zmq_msg_close (&msg);
        } else if (g_echo_verbose) {
            reply_line ("echoed %" PRIu32 " %zu", rid, size);
        }
    }
}

/* --------------------------------------------------------------- commands */

static void close_socket (void)
{
    if (!g_sock)
        return;
    if (g_poller) {
        zmq_poller_destroy (&g_poller);
        g_poller = NULL;
    }
    g_poller_dirty = true;
    zmq_close (g_sock);
    g_sock = NULL;
    g_sock_type = -1;
    g_echo = false;
    if (g_mon) {
        /* Collect the last events (normally ending with MONITOR_STOPPED). */
        int64_t until = now_ms () + 1000;
        bool stopped = drain_monitor ();
        while (!stopped && now_ms () < until) {
            zmq_pollitem_t it = {g_mon, 0, ZMQ_POLLIN, 0};
            long left = (long) (until - now_ms ());
            if (zmq_poll (&it, 1, left < 0 ? 0 : left) <= 0)
                break;
            stopped = drain_monitor ();
        }
        close_monitor ();
    }
}

static void shutdown_and_exit (int code)
{
    close_socket ();
    close_monitor ();
    close_zap ();
    if (g_poller)
        zmq_poller_destroy (&g_poller);
    zmq_ctx_term (g_ctx);
    exit (code);
}

static bool need_socket (void)
{
    if (!g_sock) {
        reply_err (ENOTSOCK);
        return false;
    }
    return true;
}

static void reply_last_endpoint (const char *suffix)
{
    char buf[1024];
    size_t len = sizeof buf;
    if (zmq_getsockopt (g_sock, ZMQ_LAST_ENDPOINT, buf, &len) != 0 || len == 0)
        buf[0] = '\0';
    buf[sizeof buf - 1] = '\0';
    out_fmt ("ok %s", buf[0] ? buf : "-");
    if (suffix)
        out_str (suffix);
    out_end ();
}

static void cmd_getsockopt (char *name)
{
    int idx = find_option (name);
    if (idx < 0) {
        reply_badcmd ("unknown option");
        return;
    }
    int id = options[idx].id;
    switch (options[idx].kind) {
        case OPT_INT: {
            int v = 0;
            size_t len = sizeof v;
            if (zmq_getsockopt (g_sock, id, &v, &len) != 0)
                reply_err (errno);
            else
                reply_line ("ok %d", v);
            return;
        }
        case OPT_INT64:
        case OPT_UINT64: {
            int64_t v = 0;
            size_t len = sizeof v;
            if (zmq_getsockopt (g_sock, id, &v, &len) != 0)
                reply_err (errno);
            else if (options[idx].kind == OPT_UINT64)
                reply_line ("ok %" PRIu64, (uint64_t) v);
            else
                reply_line ("ok %" PRId64, v);
            return;
        }
        case OPT_BIN:
        case OPT_STR: {
            size_t cap = 65536;
            unsigned char *b = malloc (cap);
            size_t len = cap;
            if (!b) {
                reply_err (ENOMEM);
                return;
            }
            if (zmq_getsockopt (g_sock, id, b, &len) != 0) {
                reply_err (errno);
            } else if (options[idx].kind == OPT_STR) {
                /* strings come back NUL-terminated */
                if (len > 0 && b[len - 1] == '\0')
                    len--;
                out_str ("ok ");
                if (len == 0)
                    out_str ("-");
                else if (fwrite (b, 1, len, stdout) != len)
                    out_fail ();
                out_end ();
            } else {
                out_str ("ok ");
                out_hex (b, len);
                out_end ();
            }
            free (b);
            return;
        }
    }
}

/* A message holding the bytes HEX spells; false, with the bad-command reply sent, when it spells none. */
static bool msg_from_hex (const char *hex, zmq_msg_t *msg)
{
    unsigned char *data;
    size_t n;
    if (!parse_hex (hex, &data, &n)) {
        reply_badcmd ("bad hex payload");
        return false;
    }
    zmq_msg_init_size (msg, n);
    if (n)
        memcpy (zmq_msg_data (msg), data, n);
    free (data);
    return true;
}

/* Sends MSG and replies "ok BYTES", or the error (closing the message libzmq did not take). */
static void send_and_reply (zmq_msg_t *msg, int flags)
{
    int rc = zmq_msg_send (msg, g_sock, flags);
    if (rc < 0) {
        int e = errno;
        zmq_msg_close (msg);
        reply_err (e);
        return;
    }
    reply_line ("ok %d", rc);
}

static void cmd_send (char *args)
{
    char *save = NULL;
    char *rid_s = strtok_r (args, " ", &save);
    char *hex = strtok_r (NULL, " ", &save);
    if (!rid_s || !hex) {
        reply_badcmd ("usage: send ROUTING_ID HEX [more] [dontwait]");
        return;
    }
    int flags = 0;
    for (char *t; (t = strtok_r (NULL, " ", &save));) {
        if (strcasecmp (t, "more") == 0)
            flags |= ZMQ_SNDMORE;
        else if (strcasecmp (t, "dontwait") == 0)
            flags |= ZMQ_DONTWAIT;
        else {
            reply_badcmd ("unknown send flag");
            return;
        }
    }
    int64_t rid;
    if (!parse_i64 (rid_s, &rid) || rid < 0 || rid > UINT32_MAX) {
        reply_badcmd ("bad routing id");
        return;
    }
    zmq_msg_t msg;
    if (!msg_from_hex (hex, &msg))
        return;
    if (uses_routing_id (g_sock_type) && rid != 0
        && zmq_msg_set_routing_id (&msg, (uint32_t) rid) != 0) {
        int e = errno;
        zmq_msg_close (&msg);
        reply_err (e);
        return;
    }
    send_and_reply (&msg, flags);
}

static void cmd_join (char *rest)
{
    if (zmq_join (g_sock, rest) != 0)
        reply_err (errno);
    else
        reply_line ("ok");
}

static void cmd_leave (char *rest)
{
    if (zmq_leave (g_sock, rest) != 0)
        reply_err (errno);
    else
        reply_line ("ok");
}

static void cmd_send_group (char *args)
{
    char *save = NULL;
    char *group = strtok_r (args, " ", &save);
    char *hex = strtok_r (NULL, " ", &save);
    if (!group || !hex) {
        reply_badcmd ("usage: send_group GROUP HEX");
        return;
    }
    zmq_msg_t msg;
    if (!msg_from_hex (hex, &msg))
        return;
    if (zmq_msg_set_group (&msg, group) != 0) {
        int e = errno;
        zmq_msg_close (&msg);
        reply_err (e);
        return;
    }
    send_and_reply (&msg, 0);
}

static void cmd_recv (char *arg)
{
    int64_t timeout;
    if (!parse_i64 (arg, &timeout) || timeout < -1 || timeout > INT32_MAX) {
        reply_badcmd ("usage: recv TIMEOUT_MS");
        return;
    }
    if (g_echo) {
        reply_err (EBUSY);
        return;
    }
    int64_t deadline = timeout < 0 ? -1 : now_ms () + timeout;
    zmq_msg_t msg;
    zmq_msg_init (&msg);
    for (;;) {
        /* Always try once: a recv call also lets libzmq process pipe
         * termination (e.g. a dead bind-side peer's id disappears). */
        int rc = zmq_msg_recv (&msg, g_sock, ZMQ_DONTWAIT);
        if (rc >= 0)
            break;
        if (errno != EAGAIN) {
            int e = errno;
            zmq_msg_close (&msg);
            drain_monitor ();
            reply_err (e);
            return;
        }
        long left = -1;
        if (deadline >= 0) {
            int64_t d = deadline - now_ms ();
            if (d <= 0) {
                zmq_msg_close (&msg);
                drain_monitor ();
                reply_err (EAGAIN);
                return;
            }
            left = (long) d;
        }
        wait_for (false, true, left);
        if (g_stop_signal) {
            zmq_msg_close (&msg);
            reply_err (EINTR);
            return;
        }
    }
    drain_monitor ();
    out_fmt ("msg %" PRIu32 " ", zmq_msg_routing_id (&msg));
    out_hex (zmq_msg_data (&msg), zmq_msg_size (&msg));
    if (zmq_msg_more (&msg))
        out_str (" more");
    out_end ();
    /* Kept for "gets": its properties (User-Id, metadata) live with it. */
    if (g_have_last_msg)
        zmq_msg_close (&g_last_msg);
    g_last_msg = msg;
    g_have_last_msg = true;
}

static void cmd_sleep (char *arg)
{
    int64_t ms;
    if (!parse_i64 (arg, &ms) || ms < 0 || ms > INT32_MAX) {
        reply_badcmd ("usage: sleep MS");
        return;
    }
    int64_t deadline = now_ms () + ms;
    for (;;) {
        int64_t left = deadline - now_ms ();
        if (left <= 0)
            break;
        int wake = wait_for (false, g_echo, (long) left);
        if (wake & WAKE_SOCK)
            echo_pending ();
        if (g_stop_signal)
            break;
    }
    drain_monitor ();
    reply_line ("ok");
}

static void cmd_socket (char *rest)
{
    int type = socket_type_from_name (rest);
    if (type < 0) {
        reply_badcmd ("unknown socket type");
        return;
    }
    if (g_sock) {
        reply_err (EBUSY);
        return;
    }
    void *s = zmq_socket (g_ctx, type);
    if (!s) {
        reply_err (errno);
        return;
    }
    g_sock = s;
    g_sock_type = type;
    g_poller_dirty = true;
    reply_line ("ok");
}

static void cmd_setsockopt (char *rest)
{
    char *save = NULL;
    char *name = strtok_r (rest, " ", &save);
    char *value = strtok_r (NULL, " ", &save);
    if (!name || !value) {
        reply_badcmd ("usage: setsockopt NAME VALUE");
        return;
    }
    const char *why = NULL;
    int rc = apply_option (g_sock, name, value, &why);
    if (rc == -2)
        reply_badcmd (why);
    else if (rc != 0)
        reply_err (errno);
    else
        reply_line ("ok");
}

/* The reply to bind, connect, unbind or disconnect, whose result is `rc`
   (errno still as the call left it): monitor events first, then ok (with
   ZMQ_LAST_ENDPOINT when `with_endpoint`) or the error. */
static void reply_endpoint_call (int rc, bool with_endpoint)
{
    int e = errno;
    drain_monitor ();
    if (rc != 0)
        reply_err (e);
    else if (with_endpoint)
        reply_last_endpoint (NULL);
    else
        reply_line ("ok");
}

static void cmd_bind (char *rest)
{
    reply_endpoint_call (zmq_bind (g_sock, rest), true);
}

static void cmd_connect (char *rest)
{
    reply_endpoint_call (zmq_connect (g_sock, rest), true);
}

static void cmd_unbind (char *rest)
{
    reply_endpoint_call (zmq_unbind (g_sock, rest), false);
}

static void cmd_disconnect (char *rest)
{
    reply_endpoint_call (zmq_disconnect (g_sock, rest), false);
}

static void cmd_connect_peer (char *rest)
{
    uint32_t rid = zmq_connect_peer (g_sock, rest);
    int e = errno;
    drain_monitor ();
    if (rid == 0)
        reply_err (e);
    else
        reply_line ("ok %" PRIu32, rid);
}

static void cmd_monitor (char *rest)
{
    (void) rest;
    if (start_monitor () != 0)
        reply_err (errno);
    else
        reply_line ("ok");
}

static void cmd_echo (char *rest)
{
    g_echo = true;
    g_echo_verbose = strcmp (rest, "verbose") == 0;
    reply_line ("ok");
    echo_pending ();
}

static void cmd_stop (char *rest)
{
    (void) rest;
    g_echo = false;
    reply_line ("ok");
}

static void cmd_close (char *rest)
{
    (void) rest;
    close_socket ();
    reply_line ("ok");
}

static void cmd_quit (char *rest)
{
    (void) rest;
    close_socket ();
    close_monitor ();
    close_zap ();
    if (g_have_last_msg)
        zmq_msg_close (&g_last_msg);
    g_have_last_msg = false;
    if (g_poller)
        zmq_poller_destroy (&g_poller);
    zmq_ctx_term (g_ctx);
    reply_line ("ok");
    exit (0);
}

static void cmd_version (char *rest)
{
    (void) rest;
    int a, b, c;
    zmq_version (&a, &b, &c);
    reply_line ("ok %d.%d.%d", a, b, c);
}

static void cmd_gets (char *name)
{
    const char *value = g_have_last_msg ? zmq_msg_gets (&g_last_msg, name) : NULL;
    if (!value) {
        reply_err (EINVAL);
        return;
    }
    out_str ("ok ");
    out_hex ((const unsigned char *) value, strlen (value));
    out_end ();
}

static void cmd_z85_encode (char *hex)
{
    unsigned char *data;
    size_t n;
    if (!parse_hex (hex, &data, &n)) {
        reply_badcmd ("bad hex");
        return;
    }
    char *text = malloc (n * 5 / 4 + 1);
    if (!text || zmq_z85_encode (text, data, n) == NULL)
        reply_err (text ? errno : ENOMEM);
    else
        reply_line ("ok %s", n ? text : "-");
    free (text);
    free (data);
}

static void cmd_z85_decode (char *text)
{
    size_t len = strlen (text);
    unsigned char *data = malloc (len * 4 / 5 + 1);
    if (!data) {
        reply_err (ENOMEM);
        return;
    }
    if (zmq_z85_decode (data, text) == NULL)
        reply_err (errno);
    else {
        out_str ("ok ");
        out_hex (data, len * 4 / 5);
        out_end ();
    }
    free (data);
}

static void cmd_curve_keypair (char *rest)
{
    (void) rest;
    char public_key[41], secret_key[41];
    if (zmq_curve_keypair (public_key, secret_key) != 0)
        reply_err (errno);
    else
        reply_line ("ok %s %s", public_key, secret_key);
}

static void cmd_curve_public (char *secret)
{
    char public_key[41];
    /* libzmq decodes into 32 bytes whatever the length: check it first. */
    if (strlen (secret) != 40) {
        reply_err (EINVAL);
        return;
    }
    if (zmq_curve_public (public_key, secret) != 0)
        reply_err (errno);
    else
        reply_line ("ok %s", public_key);
}

static void cmd_zap (char *args)
{
    char *save = NULL;
    char *credential = strtok_r (args, " ", &save);
    char *status = strtok_r (NULL, " ", &save);
    char *user_id = strtok_r (NULL, " ", &save);
    char *metadata = strtok_r (NULL, " ", &save);
    if (!credential || !status || strlen (status) >= 16) {
        reply_badcmd ("usage: zap CREDENTIAL STATUS [USER_ID [METADATA]]");
        return;
    }
    struct zap_rule rule;
    memset (&rule, 0, sizeof rule);
    rule.any = strcmp (credential, "*") == 0;
    if ((!rule.any && !parse_hex (credential, &rule.credential, &rule.credential_len))
        || !parse_hex (user_id ? user_id : "-", &rule.user_id, &rule.user_id_len)
        || !parse_hex (metadata ? metadata : "-", &rule.metadata, &rule.metadata_len)) {
        reply_badcmd ("bad hex");
        return;
    }
    strcpy (rule.status, status);
    if (zap_bind () != 0) {
        reply_err (errno);
        return;
    }
    struct zap_rule *rules = realloc (g_zap_rules, (g_zap_rule_count + 1) * sizeof *rules);
    if (!rules) {
        reply_err (ENOMEM);
        return;
    }
    g_zap_rules = rules;
    g_zap_rules[g_zap_rule_count++] = rule;
    reply_line ("ok");
}

/* The line protocol's commands (documented at the top of this file): the
   name, whether it needs the socket (ENOTSOCK without one), and what runs
   with the rest of the line. */
static const struct {
    const char *name;
    bool needs_socket;
    void (*run) (char *rest);
} COMMANDS[] = {
    {"socket", false, cmd_socket},
    {"setsockopt", true, cmd_setsockopt},
    {"getsockopt", true, cmd_getsockopt},
    {"bind", true, cmd_bind},
    {"connect", true, cmd_connect},
    {"connect_peer", true, cmd_connect_peer},
    {"unbind", true, cmd_unbind},
    {"disconnect", true, cmd_disconnect},
    {"send", true, cmd_send},
    {"join", true, cmd_join},
    {"leave", true, cmd_leave},
    {"send_group", true, cmd_send_group},
    {"recv", true, cmd_recv},
    {"monitor", true, cmd_monitor},
    {"echo", true, cmd_echo},
    {"stop", false, cmd_stop},
    {"sleep", false, cmd_sleep},
    {"close", false, cmd_close},
    {"quit", false, cmd_quit},
    {"version", false, cmd_version},
    {"gets", false, cmd_gets},
    {"z85_encode", false, cmd_z85_encode},
    {"z85_decode", false, cmd_z85_decode},
    {"curve_keypair", false, cmd_curve_keypair},
    {"curve_public", false, cmd_curve_public},
    {"zap", false, cmd_zap},
};

/* Execute one command line (modified in place). */
static void run_command (char *line)
{
    /* strip CR and trailing spaces */
    size_t L = strlen (line);
    while (L && (line[L - 1] == '\r' || line[L - 1] == ' '))
        line[--L] = '\0';
    while (*line == ' ')
        line++;
    if (*line == '\0')
        return;
    char *cmd = line;
    char *rest = strchr (line, ' ');
    if (rest)
        *rest++ = '\0';
    else
        rest = line + strlen (line);

    for (size_t i = 0; i < sizeof COMMANDS / sizeof COMMANDS[0]; i++) {
        if (strcmp (cmd, COMMANDS[i].name) != 0)
            continue;
        if (COMMANDS[i].needs_socket && !need_socket ())
            return;
        COMMANDS[i].run (rest);
        return;
    }
    reply_badcmd ("unknown command");
}

/* Read what is available on stdin; execute complete lines. */
static void service_stdin (void)
{
    if (g_in_cap - g_in_len < 65536) {
        size_t ncap = g_in_cap ? g_in_cap * 2 : 131072;
        char *n = realloc (g_in, ncap);
        if (!n) {
            fprintf (stderr, "libzmq-helper: out of memory\n");
            exit (2);
        }
        g_in = n;
        g_in_cap = ncap;
    }
    ssize_t r = read (STDIN_FILENO, g_in + g_in_len, g_in_cap - g_in_len - 1);
    if (r < 0) {
        if (errno == EINTR || errno == EAGAIN)
            return;
        r = 0;
    }
    if (r == 0) {
        g_stdin_open = false;
        g_poller_dirty = true;
        /* Execute a final unterminated line, then quit. */
        if (g_in_len) {
            g_in[g_in_len] = '\0';
            g_in_len = 0;
            run_command (g_in);
        }
        shutdown_and_exit (0);
    }
    g_in_len += (size_t) r;
    size_t start = 0;
    for (;;) {
        char *nl = memchr (g_in + start, '\n', g_in_len - start);
        if (!nl)
            break;
        *nl = '\0';
        run_command (g_in + start);
        start = (size_t) (nl - g_in) + 1;
    }
    memmove (g_in, g_in + start, g_in_len - start);
    g_in_len -= start;
}

/* ------------------------------------------------------ standalone modes */

static void on_stop_signal (int sig)
{
    (void) sig;
    g_stop_signal = 1;
}

static int usage (void)
{
    fprintf (stderr,
             "usage: libzmq-helper                 (line commands on stdin)\n"
             "       libzmq-helper --echo TYPE ENDPOINT [--connect] [--monitor]"
             " [--verbose] [--set NAME=VALUE]... [--die-with-parent]\n"
             "       libzmq-helper --check\n");
    return 64;
}

static int run_check (void)
{
    int a, b, c;
    zmq_version (&a, &b, &c);
    int peer_ok = 0;
    void *ctx = zmq_ctx_new ();
    void *s = zmq_socket (ctx, ZMQ_PEER);
    if (s) {
        int zero = 0;
        zmq_setsockopt (s, ZMQ_LINGER, &zero, sizeof zero);
        peer_ok = zmq_bind (s, "ws://127.0.0.1:*") == 0
                  && zmq_bind (s, "tcp://127.0.0.1:*") == 0;
        zmq_close (s);
    }
    zmq_ctx_term (ctx);
    printf ("libzmq=%d.%d.%d draft=%d ws=%d wss=%d curve=%d peer=%d\n", a, b,
            c, zmq_has ("draft"), zmq_has ("WS") || zmq_has ("ws"),
            zmq_has ("WSS") || zmq_has ("wss"), zmq_has ("curve"), peer_ok);
    return 0;
}

static int run_echo_server (int argc, char **argv)
{
    if (argc < 4)
        return usage ();
    const char *type_name = argv[2];
    const char *endpoint = argv[3];
    bool do_connect = false, do_monitor = false, die_with_parent = false;
    int type = socket_type_from_name (type_name);
    if (type < 0) {
        fprintf (stderr, "libzmq-helper: unknown socket type %s\n", type_name);
        return 64;
    }
    g_sock = zmq_socket (g_ctx, type);
    if (!g_sock) {
        fprintf (stderr, "libzmq-helper: zmq_socket: %s\n",
                 zmq_strerror (errno));
        return 1;
    }
    g_sock_type = type;
    int zero = 0;
    zmq_setsockopt (g_sock, ZMQ_LINGER, &zero, sizeof zero);
    for (int i = 4; i < argc; i++) {
        if (strcmp (argv[i], "--connect") == 0)
            do_connect = true;
        else if (strcmp (argv[i], "--monitor") == 0)
            do_monitor = true;
        else if (strcmp (argv[i], "--verbose") == 0)
            g_echo_verbose = true;
        else if (strcmp (argv[i], "--die-with-parent") == 0)
            die_with_parent = true;
        else if (strcmp (argv[i], "--set") == 0 && i + 1 < argc) {
            char *kv = argv[++i];
            char *eq = strchr (kv, '=');
            if (!eq) {
                fprintf (stderr, "libzmq-helper: --set needs NAME=VALUE\n");
                return 64;
            }
            *eq = '\0';
            const char *why = NULL;
            int rc = apply_option (g_sock, kv, eq + 1, &why);
            if (rc != 0) {
                fprintf (stderr, "libzmq-helper: option %s: %s\n", kv,
                         rc == -2 ? why : zmq_strerror (errno));
                return 64;
            }
        } else
            return usage ();
    }
    if (die_with_parent)
        prctl (PR_SET_PDEATHSIG, SIGKILL);
    if (do_monitor && start_monitor () != 0) {
        fprintf (stderr, "libzmq-helper: monitor: %s\n", zmq_strerror (errno));
        return 1;
    }
    uint32_t rid = 0;
    int rc;
    if (do_connect && type == ZMQ_PEER) {
        rid = zmq_connect_peer (g_sock, endpoint);
        rc = rid ? 0 : -1;
    } else
        rc = do_connect ? zmq_connect (g_sock, endpoint)
                        : zmq_bind (g_sock, endpoint);
    if (rc != 0) {
        int e = errno;
        drain_monitor ();
        reply_err (e);
        return 1;
    }
    drain_monitor ();
    char suffix[32] = "";
    if (rid)
        snprintf (suffix, sizeof suffix, " %" PRIu32, rid);
    reply_last_endpoint (suffix);
    g_echo = true;
    g_stdin_open = false; /* stdin is not used in this mode */
    g_poller_dirty = true;
    while (!g_stop_signal) {
        int wake = wait_for (false, true, -1);
        if (wake & WAKE_SOCK)
            echo_pending ();
    }
    close_socket ();
    close_monitor ();
    if (g_poller)
        zmq_poller_destroy (&g_poller);
    zmq_ctx_term (g_ctx);
    return 0;
}

int main (int argc, char **argv)
{
    signal (SIGPIPE, SIG_IGN);
    struct sigaction sa;
    memset (&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sigemptyset (&sa.sa_mask);
    sigaction (SIGTERM, &sa, NULL);
    sigaction (SIGINT, &sa, NULL);
    setvbuf (stdout, NULL, _IOFBF, 1 << 16); /* flushed at every line end */

    if (argc >= 2 && strcmp (argv[1], "--check") == 0)
        return run_check ();

    g_ctx = zmq_ctx_new ();
    if (!g_ctx) {
        fprintf (stderr, "libzmq-helper: zmq_ctx_new: %s\n",
                 zmq_strerror (errno));
        return 1;
    }
    if (argc >= 2 && strcmp (argv[1], "--echo") == 0)
        return run_echo_server (argc, argv);
    if (argc >= 2)
        return usage ();

    prctl (PR_SET_PDEATHSIG, SIGKILL);

    for (;;) {
        int wake = wait_for (true, g_echo, -1);
        if (g_stop_signal) {
            /* SIGTERM/SIGINT: leave promptly, don't linger. */
            if (g_sock) {
                int zero = 0;
                zmq_setsockopt (g_sock, ZMQ_LINGER, &zero, sizeof zero);
            }
            shutdown_and_exit (0);
        }
        if (wake & WAKE_SOCK)
            echo_pending ();
        if (wake & WAKE_STDIN)
            service_stdin ();
    }
}
