/*
 * The program behind every hook tool and emulated program on a sandboxed machine: the C twin
 * of _client.py, with the same framing and behaviour, built by olm when a C compiler is at
 * hand (a hook calls 20 to 30 of them; this starts in about a millisecond where Python takes
 * ten, as Juju's own jujuc is a compiled program).
 *
 * It sends its name (the link it was run through), its arguments, its working directory,
 * JUJU_CONTEXT_ID and its standard input (only when that is a pipe, a file or a socket) to the
 * unit agent's socket at JUJU_AGENT_SOCKET_ADDRESS as netstrings, then writes the answer's
 * stdout and stderr and exits with its status. See _client.py and _protocol.py.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

typedef struct {
    char *data;
    size_t len, cap;
} buffer;

static void grow(buffer *b, size_t more) {
    if (b->len + more <= b->cap) return;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + more) cap *= 2;
    char *data = realloc(b->data, cap);
    if (!data) { perror("agent-call"); exit(1); }
    b->data = data;
    b->cap = cap;
}

static void append(buffer *b, const char *data, size_t len) {
    grow(b, len);
    memcpy(b->data + b->len, data, len);
    b->len += len;
}

static void netstring(buffer *b, const char *data, size_t len) {
    char head[32];
    int n = snprintf(head, sizeof head, "%zu:", len);
    append(b, head, (size_t)n);
    append(b, data, len);
    append(b, ",", 1);
}

static int read_all(int fd, buffer *b) {
    for (;;) {
        grow(b, 65536);
        ssize_t n = read(fd, b->data + b->len, b->cap - b->len);
        if (n < 0) { if (errno == EINTR) continue; return -1; }
        if (n == 0) return 0;
        b->len += (size_t)n;
    }
}

static int write_all(int fd, const char *data, size_t len) {
    while (len) {
        ssize_t n = write(fd, data, len);
        if (n < 0) { if (errno == EINTR) continue; return -1; }
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

/* The next netstring of [*at, end): its bytes and length; 0 when malformed. */
static int field(const char **at, const char *end, const char **data, size_t *len) {
    char *colon;
    size_t size = strtoul(*at, &colon, 10);
    if (colon >= end || *colon != ':' || (size_t)(end - colon - 1) < size + 1) return 0;
    *data = colon + 1;
    *len = size;
    if ((*data)[size] != ',') return 0;
    *at = *data + size + 1;
    return 1;
}

int main(int argc, char **argv) {
    const char *name = strrchr(argv[0], '/');
    name = name ? name + 1 : argv[0];
    const char *address = getenv("JUJU_AGENT_SOCKET_ADDRESS");
    if (!address || !*address) {
        fprintf(stderr, "ERROR %s: JUJU_AGENT_SOCKET_ADDRESS not set (not in a hook)\n", name);
        return 1;
    }
    buffer stdin_data = {0}, request = {0}, answer = {0};
    struct stat st;
    if (fstat(0, &st) == 0 && (S_ISFIFO(st.st_mode) || S_ISREG(st.st_mode) || S_ISSOCK(st.st_mode)))
        read_all(0, &stdin_data);
    const char *context = getenv("JUJU_CONTEXT_ID");
    char *cwd = getcwd(NULL, 0);
    netstring(&request, "olm-agent/1", 11);
    netstring(&request, context ? context : "", context ? strlen(context) : 0);
    netstring(&request, cwd ? cwd : "", cwd ? strlen(cwd) : 0);
    netstring(&request, name, strlen(name));
    for (int i = 1; i < argc; i++) netstring(&request, argv[i], strlen(argv[i]));
    netstring(&request, stdin_data.data ? stdin_data.data : "", stdin_data.len);

    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(address) >= sizeof sa.sun_path) {
        fprintf(stderr, "ERROR %s: cannot reach the unit agent: address too long\n", name);
        return 1;
    }
    strcpy(sa.sun_path, address);
    int sock = socket(AF_UNIX, SOCK_STREAM, 0);
    if (sock < 0 || connect(sock, (struct sockaddr *)&sa, sizeof sa) < 0
        || write_all(sock, request.data, request.len) < 0 || shutdown(sock, SHUT_WR) < 0
        || read_all(sock, &answer) < 0) {
        fprintf(stderr, "ERROR %s: cannot reach the unit agent: %s\n", name, strerror(errno));
        return 1;
    }
    close(sock);
    grow(&answer, 1);
    answer.data[answer.len] = '\0'; /* strtoul stops here at the latest */
    const char *at = answer.data, *end = answer.data + answer.len, *code, *out, *err;
    size_t code_len, out_len, err_len;
    if (!answer.data || !field(&at, end, &code, &code_len) || !field(&at, end, &out, &out_len)
        || !field(&at, end, &err, &err_len)) {
        fprintf(stderr, "ERROR %s: malformed answer from the unit agent\n", name);
        return 1;
    }
    write_all(1, out, out_len);
    write_all(2, err, err_len);
    return atoi(code);
}
