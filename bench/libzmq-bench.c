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

int main (int argc, char **argv)
{
    if (argc == 2 && strcmp (argv[1], "version") == 0) {
        int major, minor, patch;
        zmq_version (&major, &minor, &patch);
        printf ("ok %d.%d.%d\n", major, minor, patch);
        return 0;
    }
    if (argc != 4) {
        fprintf (stderr, "usage: libzmq-bench recv|send|echo|ping ENDPOINT SIZE | version\n");
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
    int binds = strcmp (mode, "recv") == 0 || strcmp (mode, "echo") == 0;
    apply_curve (sock, binds);
    uint32_t routing_id = 0;
    if (binds) {
        if (zmq_bind (sock, endpoint) != 0) die ("zmq_bind");
    } else {
        routing_id = zmq_connect_peer (sock, endpoint);
        if (routing_id == 0) die ("zmq_connect_peer");
    }
    if (strcmp (mode, "recv") == 0) run_recv (sock, size);
    else if (strcmp (mode, "send") == 0) run_send (sock, routing_id, payload, size);
    else if (strcmp (mode, "echo") == 0) run_echo (sock);
    else if (strcmp (mode, "ping") == 0) run_ping (sock, routing_id, payload, size);
    else {
        fprintf (stderr, "unknown mode %s\n", mode);
        return 2;
    }
    zmq_close (sock);
    zmq_ctx_term (ctx);
    free (payload);
    return 0;
}
