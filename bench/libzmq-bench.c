/*
 * libzmq-bench: libzmq's side of `npm run bench` (bench/run.ts), one PEER socket per process,
 * with the context's default single I/O thread. bench/peer.ts is the project's side and speaks
 * the same line protocol, so the runner drives both the same way.
 *
 *   libzmq-bench version                 prints "ok MAJOR.MINOR.PATCH"
 *   libzmq-bench recv EP SIZE            binds EP, prints "ready LAST_ENDPOINT"; then per stdin line
 *                                          "expect N": receives N messages of SIZE bytes, prints
 *                                          "done N BYTES SECONDS" (first message to last)
 *   libzmq-bench send EP SIZE            zmq_connect_peer(EP), prints "ready"; then per stdin line
 *                                          "send N": queues N messages of SIZE bytes, prints "sent"
 *   libzmq-bench echo EP SIZE            binds EP, prints "ready LAST_ENDPOINT", then sends every
 *                                          message back to its sender until killed
 *   libzmq-bench ping EP SIZE            zmq_connect_peer(EP), prints "ready"; then per stdin line
 *                                          "ping N PAUSE_US": N round trips, one at a time, pausing
 *                                          PAUSE_US between them; prints "rtt US US ..." (one per trip)
 *   libzmq-bench seqsend EP SIZE         zmq_connect_peer(EP), prints "ready"; then per stdin line
 *                                          "seqsend N RATE": sends N messages numbered 0..N-1 (the
 *                                          number big-endian in the first 4 bytes) at RATE per
 *                                          second, prints "sent"
 *   libzmq-bench seqrecv EP SIZE         binds EP, prints "ready LAST_ENDPOINT"; then per stdin line
 *                                          "count IDLE_MS": receives until nothing came for IDLE_MS,
 *                                          prints "got DISTINCT DUPLICATES" (numbered messages)
 *   libzmq-bench scalerecv EP SIZE       binds EP (listen backlog 511, Node's default), prints "ready
 *                                          LAST_ENDPOINT"; then per stdin line "expect N STEP":
 *                                          receives N messages, printing "at K" every STEP; or
 *                                          "stats": prints "stats RSS_KIB FDS"
 *   libzmq-bench scalesend EP SIZE       prints "ready"; then per stdin line "connect K": K more
 *                                          zmq_connect_peer(EP), one message sent on each, prints
 *                                          "started"; or "stats" as above
 *
 * With ZMQ_BENCH_CURVE="SERVER_PUBLIC SERVER_SECRET CLIENT_PUBLIC CLIENT_SECRET" (Z85 keys) in the
 * environment, the socket runs CURVE: the binding side as the server, the connecting side as the
 * client.
 *
 * stdin EOF ends the process after zmq_close / zmq_ctx_term (default linger: queued messages are
 * delivered first). Any failure prints "error ..." on stderr and exits 1.
 *
 * Built by bench/run.ts against the draft libzmq of scripts/build-libzmq.sh (ZMQ_PEER and
 * zmq_connect_peer are draft API).
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <errno.h>
#include <time.h>
#include <zmq.h>

static void die (const char *what)
{
    fprintf (stderr, "error %s: %s\n", what, zmq_strerror (zmq_errno ()));
    exit (1);
}

static double now_s (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static void send_one (void *sock, uint32_t routing_id, const void *data, size_t size)
{
    zmq_msg_t msg;
    if (zmq_msg_init_size (&msg, size) != 0) die ("zmq_msg_init_size");
    memcpy (zmq_msg_data (&msg), data, size);
    if (zmq_msg_set_routing_id (&msg, routing_id) != 0) die ("zmq_msg_set_routing_id");
    if (zmq_msg_send (&msg, sock, 0) < 0) die ("zmq_msg_send");
}

/* Receives one message into `msg` (initialised by the caller) and checks its size. */
static void recv_one (void *sock, zmq_msg_t *msg, size_t size)
{
    if (zmq_msg_recv (msg, sock, 0) < 0) die ("zmq_msg_recv");
    if (zmq_msg_size (msg) != size) {
        fprintf (stderr, "error: received %zu bytes, expected %zu\n", zmq_msg_size (msg), size);
        exit (1);
    }
}

/* ZMQ_BENCH_CURVE: the four Z85 keys; the binder is the CURVE server, the connector the client. */
static void apply_curve (void *sock, int binds)
{
    const char *keys = getenv ("ZMQ_BENCH_CURVE");
    if (!keys || !*keys)
        return;
    char server_public[41], server_secret[41], client_public[41], client_secret[41];
    if (sscanf (keys, "%40s %40s %40s %40s", server_public, server_secret, client_public, client_secret) != 4) {
        fprintf (stderr, "error ZMQ_BENCH_CURVE needs four Z85 keys\n");
        exit (1);
    }
    if (binds) {
        int one = 1;
        if (zmq_setsockopt (sock, ZMQ_CURVE_SERVER, &one, sizeof one) != 0) die ("ZMQ_CURVE_SERVER");
        if (zmq_setsockopt (sock, ZMQ_CURVE_SECRETKEY, server_secret, 40) != 0) die ("ZMQ_CURVE_SECRETKEY");
    } else {
        if (zmq_setsockopt (sock, ZMQ_CURVE_SERVERKEY, server_public, 40) != 0) die ("ZMQ_CURVE_SERVERKEY");
        if (zmq_setsockopt (sock, ZMQ_CURVE_PUBLICKEY, client_public, 40) != 0) die ("ZMQ_CURVE_PUBLICKEY");
        if (zmq_setsockopt (sock, ZMQ_CURVE_SECRETKEY, client_secret, 40) != 0) die ("ZMQ_CURVE_SECRETKEY");
    }
}

static void reply_endpoint (void *sock)
{
    char endpoint[256];
    size_t len = sizeof endpoint;
    if (zmq_getsockopt (sock, ZMQ_LAST_ENDPOINT, endpoint, &len) != 0) die ("ZMQ_LAST_ENDPOINT");
    printf ("ready %s\n", endpoint);
    fflush (stdout);
}

static void run_recv (void *sock, size_t size)
{
    char line[128];
    reply_endpoint (sock);
    zmq_msg_t msg;
    zmq_msg_init (&msg);
    while (fgets (line, sizeof line, stdin)) {
        long n = 0;
        if (sscanf (line, "expect %ld", &n) != 1 || n < 1) continue;
        recv_one (sock, &msg, size);
        double start = now_s ();
        for (long i = 1; i < n; i++) recv_one (sock, &msg, size);
        double seconds = now_s () - start;
        printf ("done %ld %.0f %.9f\n", n, (double) n * (double) size, seconds);
        fflush (stdout);
    }
    zmq_msg_close (&msg);
}

static void run_send (void *sock, uint32_t routing_id, const char *payload, size_t size)
{
    char line[128];
    printf ("ready\n");
    fflush (stdout);
    while (fgets (line, sizeof line, stdin)) {
        long n = 0;
        if (sscanf (line, "send %ld", &n) != 1 || n < 1) continue;
        for (long i = 0; i < n; i++) send_one (sock, routing_id, payload, size);
        printf ("sent\n");
        fflush (stdout);
    }
}

static void run_echo (void *sock)
{
    reply_endpoint (sock);
    zmq_msg_t msg;
    zmq_msg_init (&msg);
    for (;;) {
        if (zmq_msg_recv (&msg, sock, 0) < 0) die ("zmq_msg_recv");
        /* The received message keeps its routing id: sending it answers its sender. */
        if (zmq_msg_send (&msg, sock, 0) < 0) die ("zmq_msg_send");
    }
}

static void run_ping (void *sock, uint32_t routing_id, const char *payload, size_t size)
{
    char line[128];
    printf ("ready\n");
    fflush (stdout);
    zmq_msg_t msg;
    zmq_msg_init (&msg);
    while (fgets (line, sizeof line, stdin)) {
        long n = 0, pause_us = 0;
        if (sscanf (line, "ping %ld %ld", &n, &pause_us) != 2 || n < 1) continue;
        double *rtt = malloc ((size_t) n * sizeof *rtt);
        if (!rtt) die ("malloc");
        struct timespec pause = {pause_us / 1000000, (pause_us % 1000000) * 1000};
        for (long i = 0; i < n; i++) {
            if (pause_us > 0 && i > 0) nanosleep (&pause, NULL);
            double start = now_s ();
            send_one (sock, routing_id, payload, size);
            recv_one (sock, &msg, size);
            rtt[i] = (now_s () - start) * 1e6;
        }
        printf ("rtt");
        for (long i = 0; i < n; i++) printf (" %.2f", rtt[i]);
        printf ("\n");
        fflush (stdout);
        free (rtt);
    }
    zmq_msg_close (&msg);
}

/* Numbered messages at a steady rate, in steps of one millisecond (the reconnect-loss bench). */
static void run_seqsend (void *sock, uint32_t routing_id, size_t size)
{
    char line[128];
    printf ("ready\n");
    fflush (stdout);
    unsigned char *payload = calloc (size < 4 ? 4 : size, 1);
    if (!payload) die ("calloc");
    while (fgets (line, sizeof line, stdin)) {
        long n = 0, rate = 0;
        if (sscanf (line, "seqsend %ld %ld", &n, &rate) != 2 || n < 1 || rate < 1) continue;
        double start = now_s ();
        for (long i = 0; i < n; i++) {
            /* Message i is due at start + i / rate. */
            double due = start + (double) i / (double) rate;
            double wait = due - now_s ();
            if (wait > 0.0005) {
                struct timespec pause = {0, (long) (wait * 1e9)};
                nanosleep (&pause, NULL);
            }
            payload[0] = (unsigned char) (i >> 24);
            payload[1] = (unsigned char) (i >> 16);
            payload[2] = (unsigned char) (i >> 8);
            payload[3] = (unsigned char) i;
            send_one (sock, routing_id, payload, size < 4 ? 4 : size);
        }
        printf ("sent\n");
        fflush (stdout);
    }
    free (payload);
}

/* Counts distinct numbered messages until the socket has been idle for a while. */
static void run_seqrecv (void *sock)
{
    char line[128];
    reply_endpoint (sock);
    zmq_msg_t msg;
    zmq_msg_init (&msg);
    while (fgets (line, sizeof line, stdin)) {
        int idle_ms = 0;
        if (sscanf (line, "count %d", &idle_ms) != 1 || idle_ms < 1) continue;
        if (zmq_setsockopt (sock, ZMQ_RCVTIMEO, &idle_ms, sizeof idle_ms) != 0) die ("ZMQ_RCVTIMEO");
        size_t capacity = 1 << 20;
        unsigned char *seen = calloc (capacity, 1);
        if (!seen) die ("calloc");
        long distinct = 0, duplicates = 0;
        while (zmq_msg_recv (&msg, sock, 0) >= 0) {
            if (zmq_msg_size (&msg) < 4) continue;
            const unsigned char *d = zmq_msg_data (&msg);
            size_t seq = ((size_t) d[0] << 24) | ((size_t) d[1] << 16) | ((size_t) d[2] << 8) | d[3];
            while (seq >= capacity) {
                seen = realloc (seen, capacity * 2);
                if (!seen) die ("realloc");
                memset (seen + capacity, 0, capacity);
                capacity *= 2;
            }
            if (seen[seq]) duplicates++;
            else {
                seen[seq] = 1;
                distinct++;
            }
        }
        if (zmq_errno () != EAGAIN) die ("zmq_msg_recv");
        free (seen);
        printf ("got %ld %ld\n", distinct, duplicates);
        fflush (stdout);
    }
    zmq_msg_close (&msg);
}

/* Resident memory (KiB, from /proc/self/status) and open descriptors (/proc/self/fd). */
static void print_stats (void)
{
    long rss_kib = 0, fds = 0;
    char row[256];
    FILE *status = fopen ("/proc/self/status", "r");
    if (status) {
        while (fgets (row, sizeof row, status))
            if (sscanf (row, "VmRSS: %ld kB", &rss_kib) == 1) break;
        fclose (status);
    }
    DIR *listing = opendir ("/proc/self/fd");
    if (listing) {
        for (struct dirent *entry = readdir (listing); entry; entry = readdir (listing))
            if (entry->d_name[0] != '.') fds++;
        closedir (listing);
        fds--; /* the listing's own descriptor */
    }
    printf ("stats %ld %ld\n", rss_kib, fds);
    fflush (stdout);
}

/* The scale benchmark's binder: counts one message per connected peer. */
static void run_scalerecv (void *sock)
{
    char line[128];
    reply_endpoint (sock);
    zmq_msg_t msg;
    zmq_msg_init (&msg);
    while (fgets (line, sizeof line, stdin)) {
        long n = 0, step = 0;
        if (strncmp (line, "stats", 5) == 0) {
            print_stats ();
            continue;
        }
        if (sscanf (line, "expect %ld %ld", &n, &step) != 2 || n < 1 || step < 1) continue;
        for (long i = 1; i <= n; i++) {
            if (zmq_msg_recv (&msg, sock, 0) < 0) die ("zmq_msg_recv");
            if (i % step == 0 || i == n) {
                printf ("at %ld\n", i);
                fflush (stdout);
            }
        }
    }
    zmq_msg_close (&msg);
}

/* The scale benchmark's connector: K more connections per command, one message on each. */
static void run_scalesend (void *sock, const char *endpoint, size_t size)
{
    char line[128];
    printf ("ready\n");
    fflush (stdout);
    char *payload = calloc (size ? size : 1, 1);
    if (!payload) die ("calloc");
    while (fgets (line, sizeof line, stdin)) {
        long k = 0;
        if (strncmp (line, "stats", 5) == 0) {
            print_stats ();
            continue;
        }
        if (sscanf (line, "connect %ld", &k) != 1 || k < 1) continue;
        for (long i = 0; i < k; i++) {
            uint32_t id = zmq_connect_peer (sock, endpoint);
            if (id == 0) die ("zmq_connect_peer");
            send_one (sock, id, payload, size);
        }
        printf ("started\n");
        fflush (stdout);
    }
    free (payload);
}

int main (int argc, char **argv)
{
    if (argc == 2 && strcmp (argv[1], "version") == 0) {
        int major, minor, patch;
        zmq_version (&major, &minor, &patch);
        printf ("ok %d.%d.%d\n", major, minor, patch);
        return 0;
    }
    if (argc != 4) {
        fprintf (stderr, "usage: libzmq-bench recv|send|echo|ping|seqsend|seqrecv|scalerecv|scalesend ENDPOINT SIZE | version\n");
        return 2;
    }
    const char *mode = argv[1], *endpoint = argv[2];
    size_t size = (size_t) strtoul (argv[3], NULL, 10);
    char *payload = malloc (size ? size : 1);
    if (!payload) die ("malloc");
    memset (payload, 'z', size);

    void *ctx = zmq_ctx_new ();
    void *sock = zmq_socket (ctx, ZMQ_PEER);
    if (!sock) die ("zmq_socket");
    int binds = strcmp (mode, "recv") == 0 || strcmp (mode, "echo") == 0 || strcmp (mode, "seqrecv") == 0 || strcmp (mode, "scalerecv") == 0;
    apply_curve (sock, binds);
    uint32_t routing_id = 0;
    if (strcmp (mode, "scalerecv") == 0) {
        int backlog = 511;
        if (zmq_setsockopt (sock, ZMQ_BACKLOG, &backlog, sizeof backlog) != 0) die ("ZMQ_BACKLOG");
    }
    if (strcmp (mode, "scalesend") == 0) {
        /* Connects come per command. */
    } else if (binds) {
        if (zmq_bind (sock, endpoint) != 0) die ("zmq_bind");
    } else {
        routing_id = zmq_connect_peer (sock, endpoint);
        if (routing_id == 0) die ("zmq_connect_peer");
    }
    if (strcmp (mode, "recv") == 0) run_recv (sock, size);
    else if (strcmp (mode, "send") == 0) run_send (sock, routing_id, payload, size);
    else if (strcmp (mode, "echo") == 0) run_echo (sock);
    else if (strcmp (mode, "ping") == 0) run_ping (sock, routing_id, payload, size);
    else if (strcmp (mode, "seqsend") == 0) run_seqsend (sock, routing_id, size);
    else if (strcmp (mode, "seqrecv") == 0) run_seqrecv (sock);
    else if (strcmp (mode, "scalerecv") == 0) run_scalerecv (sock);
    else if (strcmp (mode, "scalesend") == 0) run_scalesend (sock, endpoint, size);
    else {
        fprintf (stderr, "unknown mode %s\n", mode);
        return 2;
    }
    zmq_close (sock);
    zmq_ctx_term (ctx);
    free (payload);
    return 0;
}
