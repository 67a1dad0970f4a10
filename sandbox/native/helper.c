/* The per-run machinery of a worker slot in C: standby server, run watcher and program launcher.
 *
 * Why C: every run used to pay for two forks of the runner's Python interpreter (copying its page
 * tables, copy-on-write faults, tearing its address space down) and a Python watch loop. A fork of
 * this small program costs a fraction of that, so the per-run path does no Python work at all for
 * compiled programs.
 *
 * Modes (argv[1]):
 *
 *   server SOCK BPF_FD [RUNNER]
 *                            Started once per slot by the runner. For every 1-byte request 'P' on
 *                            SOCK (carrying the run's write-only cgroup.procs fds, SCM_RIGHTS) it
 *                            clones the next run's init B (a child of the runner, which reaps it)
 *                            into fresh PID and mount namespaces and
 *                            answers 'S' + B's pid (u32), carrying two sockets: to C (the program's
 *                            process) and to B. The host talks to both directly. For every 'Y' on
 *                            RUNNER (carrying B's channel to the host and its link to C) it clones
 *                            the B of a Python run (python_init), whose C the runner makes.
 *   watch CHAN OUT ERR ERROR CPID
 *                            Exec'd by the Python runner's B when the zygote library is not in use
 *                            (C a fork of B, itself a fork of the warm interpreter): B becomes this
 *                            watcher, still PID 1 of the run and still C's parent.
 *
 * Built with -shared -DCPAGENT_LIBRARY, this file is also the Python zygote's library (at the end).
 *
 * B (the run's init): private mounts, fresh size-limited tmpfs on /work, /tmp, /dev/shm and a fresh
 * /proc; forks C; waits for the host's watch request; then reads stdout/stderr (output limit), polls
 * the cgroup's CPU time and the wall clock, kills every process of the run on a limit (kill(-1) from
 * a PID namespace's init reaches exactly the run), reaps every process of the run (so the run's
 * cgroup is empty when the host hears back), collects the requested files and sends one fixed-size
 * record followed by the outputs.
 *
 * C (the program's process): joins the run's cgroups ahead of time, waits for the host's exec
 * request, writes the run's files into /work, sets rlimits, the std fds and a new session, closes
 * every other fd, drops all capabilities, sets no_new_privs, installs the seccomp filter and execs
 * the program in its own place. Any failure before the exec is written to the error pipe as
 * "E<message>" (the host reports IE, never a verdict); "R" means the program starts now.
 *
 * Exec request (host -> C): a 1-byte message carrying the fds, then u32 length + body (host order):
 *   u32 nargv {u32 len, bytes}; u32 nenv {u32 len, bytes "K=V"};
 *   u32 nfiles {u32 namelen, name, u32 mode, i32 fd_index, u32 datalen, data};
 *   i32 stdin_index, i32 stdout_index; u64 cpu_s, fsize, stack, nofile, address_space; u32 tmpfs_mb
 * Watch request (host -> B): a 1-byte message carrying the fds, then u32 length + body:
 *   f64 t0, wall_s, cpu_s, cpu_base; u64 output_limit, stderr_limit, fsize;
 *   i32 cpu_fd_index, relay_fd_index; u32 cgroup_v2, ncollect {u32 len, name}
 * Reply (B -> host): struct reply below, then stdout, stderr, setup error, and per collected file
 *   {u32 namelen, u32 errlen, u32 datalen, name, err, data}.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_FDS 16
#define DEFAULT_TMPFS_MB 64
#define REPLY_MAGIC 0x43505231u /* "CPR1" */

extern char **environ;
static int error_fd = -1;
static char bpf[65536];
static size_t bpf_len = 0;

/* -- small utilities ------------------------------------------------------------------------------ */
static void fail(const char *fmt, ...) {
    char buf[1024];
    int n = snprintf(buf, sizeof buf, "E");
    va_list ap;
    va_start(ap, fmt);
    n += vsnprintf(buf + n, sizeof buf - n, fmt, ap);
    va_end(ap);
    if (n > (int)sizeof buf - 1) n = sizeof buf - 1;
    if (error_fd >= 0 && write(error_fd, buf, n) < 0) { /* nothing more to do */ }
    _exit(127);
}

static int read_all(int fd, void *buf, size_t n) { /* 0 on success, -1 at EOF or error */
    char *p = buf;
    while (n) {
        ssize_t k = read(fd, p, n);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) return -1;
        p += k;
        n -= k;
    }
    return 0;
}

static int write_all(int fd, const void *buf, size_t n) {
    const char *p = buf;
    while (n) {
        ssize_t k = write(fd, p, n);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) return -1;
        p += k;
        n -= k;
    }
    return 0;
}

/* One 1-byte message with up to MAX_FDS descriptors (close-on-exec). Returns the byte, or -1 at EOF. */
static int recv_with_fds(int sock, int *fds, int *nfds) {
    char one;
    union { char buf[CMSG_SPACE(sizeof(int) * MAX_FDS)]; struct cmsghdr align; } control;
    struct iovec iov = {&one, 1};
    struct msghdr msg = {0};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.buf;
    msg.msg_controllen = sizeof control.buf;
    ssize_t got;
    do got = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC); while (got < 0 && errno == EINTR);
    *nfds = 0;
    if (got <= 0) return -1;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
            int n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
            for (int i = 0; i < n; i++) {
                int fd;
                memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
                if (*nfds < MAX_FDS) fds[(*nfds)++] = fd;
                else close(fd);
            }
        }
    }
    return (unsigned char)one;
}

static int send_with_fds(int sock, const void *data, size_t len, const int *fds, int nfds) {
    union { char buf[CMSG_SPACE(sizeof(int) * MAX_FDS)]; struct cmsghdr align; } control;
    struct iovec iov = {(void *)data, len};
    struct msghdr msg = {0};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    if (nfds > 0) {
        memset(&control, 0, sizeof control);
        msg.msg_control = control.buf;
        msg.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
        struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
        memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
    }
    ssize_t k;
    do k = sendmsg(sock, &msg, MSG_NOSIGNAL); while (k < 0 && errno == EINTR);
    return k == (ssize_t)len ? 0 : -1;
}

/* A length-prefixed request body (u32 host order), read whole. NULL at EOF. */
static char *recv_body(int sock, uint32_t *len) {
    if (read_all(sock, len, 4) < 0) return NULL;
    if (*len > (1u << 30)) return NULL;
    char *body = malloc(*len ? *len : 1);
    if (!body || read_all(sock, body, *len) < 0) return NULL;
    return body;
}

struct cursor { const char *p, *end; int bad; };

static const char *take(struct cursor *c, size_t n) {
    if ((size_t)(c->end - c->p) < n) {
        c->bad = 1;
        return NULL;
    }
    const char *at = c->p;
    c->p += n;
    return at;
}
static uint32_t u32(struct cursor *c) { uint32_t v = 0; const char *p = take(c, 4); if (p) memcpy(&v, p, 4); return v; }
static int32_t i32(struct cursor *c) { int32_t v = -1; const char *p = take(c, 4); if (p) memcpy(&v, p, 4); return v; }
static uint64_t u64(struct cursor *c) { uint64_t v = 0; const char *p = take(c, 8); if (p) memcpy(&v, p, 8); return v; }
static double f64(struct cursor *c) { double v = 0; const char *p = take(c, 8); if (p) memcpy(&v, p, 8); return v; }

static char *str(struct cursor *c) {
    uint32_t n = u32(c);
    const char *s = take(c, n);
    char *out = malloc(n + 1);
    if (!out) fail("out of memory");
    if (s) memcpy(out, s, n);
    else n = 0;
    out[n] = 0;
    return out;
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* -- C: the program's process ------------------------------------------------------------------------ */
static void make_parents(const char *path) {
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *s = buf + 6; *s; s++) { /* after "/work/" */
        if (*s == '/') {
            *s = 0;
            if (mkdir(buf, 0755) < 0 && errno != EEXIST) fail("mkdir %s: %s", buf, strerror(errno));
            *s = '/';
        }
    }
}

static void set_limit(int resource, uint64_t value) {
    struct rlimit r = {value, value};
    if (setrlimit(resource, &r) < 0) fail("setrlimit %d: %s", resource, strerror(errno));
}

/* Waits for the exec request on `sock` and confines this process for the program: files, rlimits,
 * std fds (every other fd closed, the error pipe on 3), /work, a new session, no capabilities,
 * no_new_privs, the seccomp filter. Returns the program's argv and environment; any failure ends
 * the process with "E<why>" on the error pipe. `reset_signals`: every handler back to SIG_DFL (an
 * exec'd program; the Python zygote sets its own as python3 does). */
static void confine_program(int sock, int err_pipe, int out_fd, int err_fd, const int *procs, int nprocs,
                            int reset_signals, char ***argv_out, char ***env_out) {
    error_fd = err_pipe;
    if (reset_signals)
        for (int sig = 1; sig < NSIG; sig++) signal(sig, SIG_DFL); /* the program starts clean */
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    for (int i = 0; i < nprocs; i++) { /* join the run's cgroups now, off the run's critical path */
        if (write(procs[i], "0", 1) != 1) fail("join cgroup: %s", strerror(errno));
        close(procs[i]);
    }

    int fds[MAX_FDS], nfds = 0;
    if (recv_with_fds(sock, fds, &nfds) < 0) _exit(0); /* the slot is closing: not needed */
    uint32_t len;
    char *body = recv_body(sock, &len);
    if (!body) _exit(0);
    close(sock);
    struct cursor c = {body, body + len, 0};

    uint32_t nargv = u32(&c);
    if (nargv == 0 || nargv > 4096) fail("bad argv");
    char **args = calloc(nargv + 1, sizeof *args);
    for (uint32_t i = 0; i < nargv; i++) args[i] = str(&c);
    uint32_t nenv = u32(&c);
    if (nenv > 4096) fail("bad env");
    char **env = calloc(nenv + 2, sizeof *env);
    int has_path = 0;
    for (uint32_t i = 0; i < nenv; i++) {
        env[i] = str(&c);
        if (strncmp(env[i], "PATH=", 5) == 0) has_path = 1;
    }
    if (!has_path) env[nenv] = "PATH=/usr/local/bin:/usr/bin:/bin";

    uint32_t nfiles = u32(&c);
    const char *files_at = c.p;
    /* first pass: read the sizes to reach the fixed fields, files are written after the remount */
    for (uint32_t i = 0; i < nfiles && !c.bad; i++) {
        take(&c, u32(&c));
        u32(&c);
        i32(&c);
        take(&c, u32(&c));
    }
    int32_t stdin_index = i32(&c), stdout_index = i32(&c);
    uint64_t cpu = u64(&c), fsize = u64(&c), stack = u64(&c), nofile = u64(&c), address_space = u64(&c);
    uint32_t tmpfs_mb = u32(&c);
    if (c.bad) fail("malformed request");

    if (tmpfs_mb != DEFAULT_TMPFS_MB) {
        char opts[64];
        snprintf(opts, sizeof opts, "size=%um", tmpfs_mb ? tmpfs_mb : 1);
        const char *targets[] = {"/work", "/tmp", "/dev/shm"};
        for (int i = 0; i < 3; i++)
            if (mount("tmpfs", targets[i], "tmpfs", MS_REMOUNT | MS_NOSUID | MS_NODEV, opts) < 0)
                fail("resize %s: %s", targets[i], strerror(errno));
    }
    c.p = files_at;
    for (uint32_t i = 0; i < nfiles; i++) {
        char *name = str(&c);
        uint32_t mode = u32(&c);
        int32_t index = i32(&c);
        uint32_t datalen = u32(&c);
        const char *data = take(&c, datalen);
        if (c.bad) fail("malformed request");
        char path[4096];
        if (snprintf(path, sizeof path, "/work/%s", name) >= (int)sizeof path) fail("file name too long");
        if (strchr(name, '/')) make_parents(path);
        int out = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
        if (out < 0) fail("create %s: %s", path, strerror(errno));
        if (index >= 0) {
            if (index >= nfds) fail("bad file fd");
            struct stat st;
            if (fstat(fds[index], &st) < 0) fail("stat %s: %s", name, strerror(errno));
            off_t off = 0;
            while (off < st.st_size) {
                ssize_t k = sendfile(out, fds[index], &off, st.st_size - off);
                if (k < 0 && errno == EINTR) continue;
                if (k <= 0) fail("copy %s: %s", name, k < 0 ? strerror(errno) : "short file");
            }
        } else if (write_all(out, data, datalen) < 0) {
            fail("write %s: %s", name, strerror(errno));
        }
        close(out);
    }

    struct rlimit cpu_limit = {cpu, cpu + 1}; /* a backstop: the watcher stops the run at the cgroup's CPU time */
    if (setrlimit(RLIMIT_CPU, &cpu_limit) < 0) fail("setrlimit cpu: %s", strerror(errno));
    set_limit(RLIMIT_FSIZE, fsize);
    set_limit(RLIMIT_STACK, stack);
    set_limit(RLIMIT_CORE, 0);
    set_limit(RLIMIT_NOFILE, nofile);
    set_limit(RLIMIT_MEMLOCK, 0);
    set_limit(RLIMIT_MSGQUEUE, 0);
    if (address_space) set_limit(RLIMIT_AS, address_space);

    int in = -1;
    if (stdin_index >= 0) {
        if (stdin_index >= nfds) fail("bad stdin fd");
        in = fds[stdin_index];
    } else if ((in = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0) {
        fail("open /dev/null: %s", strerror(errno));
    }
    int out = out_fd;
    if (stdout_index >= 0) {
        if (stdout_index >= nfds) fail("bad stdout fd");
        out = fds[stdout_index];
    }
    if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err_fd, 2) < 0) fail("dup2: %s", strerror(errno));
    if (error_fd != 3) {
        if (dup2(error_fd, 3) < 0) fail("dup2: %s", strerror(errno));
        error_fd = 3;
    }
    fcntl(3, F_SETFD, FD_CLOEXEC);
    if (syscall(SYS_close_range, 4, ~0U, 0) < 0)
        for (int fd = 4; fd < 65536; fd++) close(fd);
    if (chdir("/work") < 0) fail("chdir /work: %s", strerror(errno));
    if (setsid() < 0) fail("setsid: %s", strerror(errno));

    for (int cap = 0; cap < 64; cap++)
        if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno == EINVAL) break;
    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
    struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct caps[2];
    memset(caps, 0, sizeof caps);
    if (syscall(SYS_capset, &hdr, caps) < 0) fail("capset: %s", strerror(errno));
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) fail("no_new_privs: %s", strerror(errno));
    if (bpf_len) {
        struct sock_fprog prog = {(unsigned short)(bpf_len / sizeof(struct sock_filter)), (struct sock_filter *)bpf};
        if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) < 0) fail("seccomp: %s", strerror(errno));
    }
    *argv_out = args;
    *env_out = env;
}

/* Never returns: waits for the exec request on `sock`, confines itself and execs the program. */
static void program_process(int sock, int err_pipe, int out_fd, int err_fd, const int *procs, int nprocs) {
    char **args, **env;
    confine_program(sock, err_pipe, out_fd, err_fd, procs, nprocs, 1, &args, &env);
    environ = env;
    if (write(3, "R", 1) != 1) _exit(127); /* the program starts now: from here its fate is its own */
    execvp(args[0], args);
    fail("exec %s: %s", args[0], strerror(errno));
}

/* -- B: the run's init and watcher ---------------------------------------------------------------------- */
struct reply { /* fixed-size record, host byte order; mirrored by sandbox/native/wire.py */
    uint32_t magic;
    uint32_t flags;     /* 1 stdout truncated, 2 stderr truncated, 4 program started, 8 zygote, 16 has status */
    int32_t exit_code;  /* as os.waitstatus_to_exitcode: >= 0 exit status, < 0 the signal */
    uint32_t killed;    /* 0, 1 wall, 2 cpu, 3 output */
    double wall_s, user_s, sys_s, cpu_s; /* cpu_s: the cgroup's, minus the base; < 0 when not measured */
    uint32_t stdout_len, stderr_len, error_len, nfiles;
};

struct buf { char *data; size_t len, cap; };

static int buf_add(struct buf *b, const char *p, size_t n) {
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n) cap *= 2;
        char *d = realloc(b->data, cap);
        if (!d) return -1;
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->len, p, n);
    b->len += n;
    return 0;
}

static void kill_run(void) { kill(-1, SIGKILL); } /* from a PID namespace's init: exactly the run */

static double read_cpu(int fd, int v2) {
    char text[4096];
    ssize_t n = pread(fd, text, sizeof text - 1, 0);
    if (n <= 0) return 0.0;
    text[n] = 0;
    if (!v2) return strtoull(text, NULL, 10) / 1e9;
    char *at = strstr(text, "usage_usec ");
    return at ? strtoull(at + 11, NULL, 10) / 1e6 : 0.0;
}

/* Read one chunk: 1 when the stream went over its limit, 0 otherwise, -1 at its end, -2 when empty. */
static int read_stream(int fd, struct buf *b, size_t limit, int *truncated, struct buf *relay) {
    static char chunk[1 << 16];
    ssize_t n = read(fd, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) return 0;
    if (n < 0 && errno == EAGAIN) return -2;
    if (n <= 0) return -1;
    if (relay) buf_add(relay, chunk, n);
    size_t room = b->len < limit ? limit - b->len : 0;
    if ((size_t)n > room) {
        buf_add(b, chunk, room);
        *truncated = 1;
        return 1;
    }
    buf_add(b, chunk, n);
    return 0;
}

static void relay_out(int fd, struct buf *pending) {
    ssize_t k = write(fd, pending->data, pending->len);
    if (k > 0) {
        memmove(pending->data, pending->data + k, pending->len - k);
        pending->len -= k;
    } else if (k < 0 && errno != EAGAIN && errno != EINTR) {
        pending->len = 0; /* the other program is gone */
    }
}

struct collected { char *name; const char *err; struct buf data; };

static void collect_file(const char *name, uint64_t limit, struct collected *out) {
    out->name = (char *)name;
    out->err = "";
    memset(&out->data, 0, sizeof out->data);
    char path[4096];
    snprintf(path, sizeof path, "/work/%s", name);
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        static char why[256];
        out->err = errno == ENOENT ? "missing" : (snprintf(why, sizeof why, "refused: %s", strerror(errno)), strdup(why));
        return;
    }
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        out->err = "refused: not a regular file";
        close(fd);
        return;
    }
    static char chunk[1 << 16];
    while (out->data.len < limit) {
        size_t want = sizeof chunk;
        if (want > limit - out->data.len) want = limit - out->data.len;
        ssize_t n = read(fd, chunk, want);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        buf_add(&out->data, chunk, n);
    }
    close(fd);
}

/* The watch: from the host's request to the reply. Returns only by exiting. */
static void watch(int chan, int out_r, int err_r, int error_r, pid_t cpid, const char *setup_error) {
    signal(SIGPIPE, SIG_IGN);
    int fds[MAX_FDS], nfds = 0;
    if (recv_with_fds(chan, fds, &nfds) < 0) _exit(0); /* the slot is closing, or the host gave up */
    uint32_t len;
    char *body = recv_body(chan, &len);
    if (!body) _exit(0);
    double got = now_s();
    struct cursor c = {body, body + len, 0};
    double t0 = f64(&c), wall_limit = f64(&c), cpu_limit = f64(&c), cpu_base = f64(&c);
    uint64_t out_limit = u64(&c), err_limit = u64(&c), fsize = u64(&c);
    int32_t cpu_index = i32(&c), relay_index = i32(&c);
    uint32_t v2 = u32(&c), ncollect = u32(&c);
    if (c.bad || ncollect > 1024) _exit(1); /* the host sees a watcher without a reply: IE */
    char **collect = calloc(ncollect + 1, sizeof *collect);
    for (uint32_t i = 0; i < ncollect; i++) collect[i] = str(&c);
    if (c.bad) _exit(1);
    int cpu_fd = cpu_index >= 0 && cpu_index < nfds ? fds[cpu_index] : -1;
    int relay_fd = relay_index >= 0 && relay_index < nfds ? fds[relay_index] : -1;
    if (relay_fd >= 0) fcntl(relay_fd, F_SETFL, fcntl(relay_fd, F_GETFL) | O_NONBLOCK);
    double start = t0 < got ? t0 : got; /* the host's clock: the run began when it was sent */

    struct buf out = {0}, err = {0}, pending = {0};
    int out_trunc = 0, err_trunc = 0, killed = 0, exited = 0;
    int pidfd = syscall(SYS_pidfd_open, cpid, 0);
    int out_open = 1, err_open = 1;
    double poll_step = cpu_limit / 20;
    if (poll_step > 0.05) poll_step = 0.05;
    if (poll_step < 0.005) poll_step = 0.005;
    while (!exited) {
        double now = now_s();
        if (!killed) {
            if (now - start >= wall_limit) killed = 1;
            else if (cpu_fd >= 0 && read_cpu(cpu_fd, v2) - cpu_base > cpu_limit) killed = 2;
            if (killed) kill_run();
        }
        double left = wall_limit - (now - start);
        double step = killed ? 0.05 : (left < poll_step ? left : poll_step);
        int timeout = (int)(1000 * step) + 1;
        struct pollfd p[4];
        int np = 0, i_out = -1, i_err = -1, i_pid = -1, i_relay = -1;
        if (out_open) { i_out = np; p[np++] = (struct pollfd){out_r, POLLIN, 0}; }
        if (err_open) { i_err = np; p[np++] = (struct pollfd){err_r, POLLIN, 0}; }
        if (pidfd >= 0) { i_pid = np; p[np++] = (struct pollfd){pidfd, POLLIN, 0}; }
        if (relay_fd >= 0 && pending.len) { i_relay = np; p[np++] = (struct pollfd){relay_fd, POLLOUT, 0}; }
        int ready = poll(p, np, timeout);
        if (ready < 0 && errno != EINTR) break;
        if (ready <= 0) {
            if (pidfd < 0) { /* no pidfd (an old kernel): look without reaping */
                siginfo_t si;
                si.si_pid = 0;
                if (waitid(P_PID, cpid, &si, WEXITED | WNOHANG | WNOWAIT) < 0 || si.si_pid != 0) exited = 1;
            }
            continue;
        }
        if (i_pid >= 0 && p[i_pid].revents) exited = 1;
        if (i_relay >= 0 && p[i_relay].revents) relay_out(relay_fd, &pending);
        if (i_out >= 0 && p[i_out].revents) {
            int r = read_stream(out_r, &out, out_limit, &out_trunc, relay_fd >= 0 ? &pending : NULL);
            if (r == -1) out_open = 0;
            else if (r > 0 && !killed) {
                killed = 3;
                kill_run();
            }
        }
        if (i_err >= 0 && p[i_err].revents && read_stream(err_r, &err, err_limit, &err_trunc, NULL) == -1) err_open = 0;
    }
    double wall = now_s() - start;
    int status = 0;
    struct rusage ru;
    memset(&ru, 0, sizeof ru);
    pid_t w;
    /* ECHILD: a Python run's C not adopted yet by this init (its intermediate parent is exiting) */
    for (int tries = 0;; tries++) {
        w = wait4(cpid, &status, 0, &ru);
        if (w >= 0 || (errno != EINTR && (errno != ECHILD || tries >= 20000))) break;
        if (errno == ECHILD) usleep(50);
    }
    /* what is already in the pipes; a daemon still writing is killed next */
    fcntl(out_r, F_SETFL, O_NONBLOCK);
    fcntl(err_r, F_SETFL, O_NONBLOCK);
    while (out_open && read_stream(out_r, &out, out_limit, &out_trunc, relay_fd >= 0 ? &pending : NULL) >= 0) {}
    while (err_open && read_stream(err_r, &err, err_limit, &err_trunc, NULL) >= 0) {}
    kill_run(); /* orphans and daemons of the run */
    if (relay_fd >= 0) {
        fcntl(relay_fd, F_SETFL, fcntl(relay_fd, F_GETFL) & ~O_NONBLOCK);
        if (pending.len) write_all(relay_fd, pending.data, pending.len);
        close(relay_fd);
    }
    /* every process of the run is reaped before the reply: its cgroup is empty when the host hears back */
    while (waitpid(-1, NULL, __WALL) > 0 || errno == EINTR) {}
    char info[8192];
    size_t info_len = 0;
    for (;;) {
        ssize_t n = read(error_r, info + info_len, sizeof info - 1 - info_len);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        info_len += n;
        if (info_len >= sizeof info - 1) break;
    }
    info[info_len] = 0;

    struct reply rep;
    memset(&rep, 0, sizeof rep);
    rep.magic = REPLY_MAGIC;
    rep.wall_s = wall;
    rep.killed = killed;
    /* C's notes: "Z" (the zygote runs the program), "R" (the program is about to start), then
     * "X[code, user, sys]" (how a spawned program ended) or "E..." (setup failed: the sandbox's fault). */
    int zygote = info[0] == 'Z', started = zygote || info[0] == 'R';
    const char *rest = started ? info + 1 : info;
    rep.flags = (out_trunc ? 1 : 0) | (err_trunc ? 2 : 0) | (started ? 4 : 0) | (zygote ? 8 : 0) | 16;
    rep.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : WIFSIGNALED(status) ? -WTERMSIG(status) : 0;
    rep.user_s = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6;
    rep.sys_s = ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
    char error_text[1200];
    error_text[0] = 0;
    if (setup_error && *setup_error) {
        snprintf(error_text, sizeof error_text, "%s", setup_error);
    } else if (rest[0] == 'E') {
        snprintf(error_text, sizeof error_text, "%s", rest + 1);
    } else if (rest[0] == 'X') {
        int code = 0;
        double us = 0, ss = 0;
        if (sscanf(rest + 1, "[%d, %lf, %lf]", &code, &us, &ss) == 3) {
            rep.exit_code = code;
            rep.user_s = us;
            rep.sys_s = ss;
        }
    } else if (!started) { /* never a verdict for a program that did not run: IE, and the host retries */
        static const char *why[] = {"", ", stopped by the wall limit", ", stopped by the cpu limit", ", stopped by the output limit"};
        snprintf(error_text, sizeof error_text, "the run's process ended before the program started (status %d%s)",
                 rep.exit_code, why[killed & 3]);
    }
    rep.cpu_s = cpu_fd >= 0 ? read_cpu(cpu_fd, v2) - cpu_base : -1.0;
    if (rep.cpu_s < 0 && cpu_fd >= 0) rep.cpu_s = 0;

    struct collected *files = calloc(ncollect + 1, sizeof *files);
    for (uint32_t i = 0; i < ncollect; i++) collect_file(collect[i], fsize, &files[i]);
    rep.stdout_len = out.len;
    rep.stderr_len = err.len;
    rep.error_len = strlen(error_text);
    rep.nfiles = ncollect;
    struct buf msg = {0};
    buf_add(&msg, (const char *)&rep, sizeof rep);
    if (write_all(chan, msg.data, msg.len) < 0) _exit(0);
    if (out.len && write_all(chan, out.data, out.len) < 0) _exit(0);
    if (err.len && write_all(chan, err.data, err.len) < 0) _exit(0);
    if (rep.error_len && write_all(chan, error_text, rep.error_len) < 0) _exit(0);
    for (uint32_t i = 0; i < ncollect; i++) {
        uint32_t head[3] = {(uint32_t)strlen(files[i].name), (uint32_t)strlen(files[i].err), (uint32_t)files[i].data.len};
        if (write_all(chan, head, sizeof head) < 0 || write_all(chan, files[i].name, head[0]) < 0 ||
            write_all(chan, files[i].err, head[1]) < 0 || (head[2] && write_all(chan, files[i].data.data, head[2]) < 0))
            _exit(0);
    }
    _exit(0);
}

static int mount_tmpfs(const char *target, const char *mode) {
    char opts[64];
    snprintf(opts, sizeof opts, "size=%dm,mode=%s", DEFAULT_TMPFS_MB, mode);
    return mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV, opts);
}

/* The run's private file systems (B is PID 1 of fresh PID and mount namespaces); "" or why not. */
static void setup_mounts(char *setup_error, size_t size) {
    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    signal(SIGCHLD, SIG_DFL); /* the runner ignores it (auto-reaping); B must wait for its children */
    setup_error[0] = 0;
    if (mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
        snprintf(setup_error, size, "make mounts private: %s", strerror(errno));
    else if (mount_tmpfs("/work", "0755") < 0 || mount_tmpfs("/tmp", "1777") < 0 || mount_tmpfs("/dev/shm", "1777") < 0)
        snprintf(setup_error, size, "mount tmpfs: %s", strerror(errno));
    else if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
        snprintf(setup_error, size, "mount /proc: %s", strerror(errno));
}

/* PID 1 of a new run (cloned by the server): private file systems, the standby C, then the watch. */
static void init_b(int chan, int c_chan, const int *procs, int nprocs) {
    char setup_error[512];
    setup_mounts(setup_error, sizeof setup_error);
    int out[2], err[2], errp[2];
    if (pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0) _exit(1);
    pid_t pid = fork();
    if (pid < 0) _exit(1);
    if (pid == 0) {
        close(out[0]);
        close(err[0]);
        close(errp[0]);
        close(chan);
        if (setup_error[0]) _exit(0);
        program_process(c_chan, errp[1], out[1], err[1], procs, nprocs);
    }
    close(c_chan);
    close(out[1]);
    close(err[1]);
    close(errp[1]);
    for (int i = 0; i < nprocs; i++) close(procs[i]);
    watch(chan, out[0], err[0], errp[0], pid, setup_error);
}

/* PID 1 of a Python run (cloned by the standby server at the runner's request): private file
 * systems, then C's pipes go to C (the copy of the warm interpreter the runner makes in this PID
 * namespace, see cpagent_fork_into) over `link`, C answers with its pid, and B watches the run like
 * any other. 'N' = ready, 'F' = the set-up failed (C exits at once and the watch reports the error:
 * IE, never a verdict). */
static void python_init(int chan, int link) {
    char setup_error[512];
    setup_mounts(setup_error, sizeof setup_error);
    int out[2], err[2], errp[2];
    if (pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0) _exit(1);
    int ends[3] = {out[1], err[1], errp[1]};
    if (send_with_fds(link, setup_error[0] ? "F" : "N", 1, ends, 3) < 0) _exit(0);
    close(out[1]);
    close(err[1]);
    close(errp[1]);
    uint32_t cpid = 0;
    if (read_all(link, &cpid, 4) < 0 || cpid == 0) _exit(0); /* no C: the slot is closing */
    close(link);
    /* C becomes this process's child when its intermediate parent exits (microseconds after C was
     * made). The watch follows C through a pidfd, which needs no parenthood, and waits for it only
     * once it has ended (see reap_program); without pidfds (Linux < 5.3), wait for the adoption here. */
    int probe = syscall(SYS_pidfd_open, cpid, 0);
    if (probe >= 0) close(probe);
    else
        for (int i = 0; i < 20000; i++) {
            siginfo_t si;
            if (waitid(P_PID, cpid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 || errno != ECHILD) break;
            usleep(100);
        }
    watch(chan, out[0], err[0], errp[0], (pid_t)cpid, setup_error);
}

/* -- the standby server -------------------------------------------------------------------------------- */
/* 'E' + u32 length + text: why no standby could be made (the host reports IE). */
static void send_error(int sock, const char *what, int err) {
    char msg[300];
    int n = snprintf(msg + 5, sizeof msg - 5, "%s: %s", what, strerror(err));
    if (n > (int)sizeof msg - 6) n = sizeof msg - 6;
    uint32_t len = n;
    msg[0] = 'E';
    memcpy(msg + 1, &len, 4);
    send_with_fds(sock, msg, 5 + n, NULL, 0);
}

/* B of a Python run, for the runner (on `runner`: 'Y' with B's channel to the host and its link to C):
 * cloned like a compiled run's B, it runs python_init. Answers 'S' + B's pid or 'E' + errno (u32). */
static void python_request(int sock, int runner) {
    int fds[MAX_FDS], nfds = 0;
    int op = recv_with_fds(runner, fds, &nfds);
    if (op < 0) _exit(0); /* the runner is gone: so is the slot */
    char msg[5] = {'E'};
    uint32_t value = EINVAL;
    if (op == 'Y' && nfds == 2) {
        pid_t pid = syscall(SYS_clone, CLONE_NEWPID | CLONE_NEWNS | CLONE_PARENT | SIGCHLD, NULL, NULL, NULL, NULL);
        if (pid == 0) {
            close(sock);
            close(runner);
            python_init(fds[0], fds[1]);
            _exit(0);
        }
        if (pid > 0) {
            msg[0] = 'S';
            value = pid;
        } else {
            value = errno;
        }
    }
    for (int i = 0; i < nfds; i++) close(fds[i]);
    memcpy(msg + 1, &value, 4);
    if (write_all(runner, msg, sizeof msg) < 0) _exit(0);
}

static int server(int sock, int runner) {
    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    signal(SIGPIPE, SIG_IGN);
    for (;;) {
        if (runner >= 0) {
            struct pollfd p[2] = {{sock, POLLIN, 0}, {runner, POLLIN, 0}};
            if (poll(p, 2, -1) < 0) {
                if (errno == EINTR) continue;
                return 1;
            }
            if (p[1].revents) {
                python_request(sock, runner);
                continue;
            }
        }
        int procs[MAX_FDS], nprocs = 0;
        int op = recv_with_fds(sock, procs, &nprocs);
        if (op < 0 || op == 'Q') return 0;
        int b[2], c[2];
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, b) < 0 ||
            socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, c) < 0) {
            send_error(sock, "socketpair", errno);
            for (int i = 0; i < nprocs; i++) close(procs[i]);
            continue;
        }
        /* CLONE_PARENT: B is the runner's child, as a Python-made B is (the runner reaps both) */
        pid_t pid = syscall(SYS_clone, CLONE_NEWPID | CLONE_NEWNS | CLONE_PARENT | SIGCHLD, NULL, NULL, NULL, NULL);
        if (pid == 0) {
            close(b[0]);
            close(c[0]);
            close(sock);
            if (runner >= 0) close(runner);
            init_b(b[1], c[1], procs, nprocs);
            _exit(0);
        }
        int saved = errno;
        close(b[1]);
        close(c[1]);
        for (int i = 0; i < nprocs; i++) close(procs[i]);
        if (pid < 0) {
            send_error(sock, "clone", saved);
        } else {
            char msg[5] = {'S'};
            uint32_t p = pid;
            memcpy(msg + 1, &p, 4);
            int pair[2] = {c[0], b[0]};
            if (send_with_fds(sock, msg, sizeof msg, pair, 2) < 0) return 0;
        }
        close(b[0]);
        close(c[0]);
    }
}

static void read_bpf(int fd) {
    for (;;) {
        ssize_t k = read(fd, bpf + bpf_len, sizeof bpf - bpf_len);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) break;
        bpf_len += k;
    }
    close(fd);
}

#ifdef CPAGENT_LIBRARY
/* -- the Python zygote's library (built from this file with -shared -DCPAGENT_LIBRARY) -----------------
 *
 * Loaded by the in-sandbox runner (runner.py) with ctypes.PyDLL. A Python run used to cost two forks
 * of the runner's interpreter (B, the run's init, which then exec'd the C watcher, and C, the
 * program's process), each copying the interpreter's page tables and pages and tearing them down
 * again, and C then confined itself step by step in Python, and the runner's Python made each
 * standby. With this library:
 *
 *   cpagent_serve         the runner's loop for Python standbys, in C: for each request 'P' from
 *                         the host, B is a clone of the small standby server (python_init, the same
 *                         watcher compiled runs get), and C is the one copy of the interpreter
 *                         (cpagent_fork_into), with the interpreter's own fork hooks around it.
 *   cpagent_fork_into     makes C as a process of B's PID namespace and B's child: the runner enters
 *                         B's PID namespace for its children (setns), a vfork'd intermediate (sharing
 *                         the runner's memory, so no copy) forks C and exits at once, and C is
 *                         re-parented to the namespace's init, B. B thus reaps C and reads its exit
 *                         status and rusage exactly as before. C joins B's mount namespace (its fresh
 *                         tmpfs and /proc) before it returns into Python.
 *   cpagent_python_child  C's part up to the program: B's pipes, the cgroups, the host's request and
 *                         the whole confinement (confine_program, the code compiled programs get), so
 *                         that C touches as few of the interpreter's pages as it can.
 *
 * cpagent_fork_into blocks every signal around the shared-memory intermediate, so that no handler
 * of the interpreter can run on memory the runner owns.
 */
pid_t _Fork(void); /* glibc >= 2.34: fork without atfork handlers (none of which may run here) */

static int own_pidns = -1; /* the runner's own PID namespace (cpagent_init) */

/* Once in the runner: remember its own PID namespace, re-entered after each fork_into. */
int cpagent_init(void) {
    own_pidns = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
    return own_pidns < 0 ? -errno : 0;
}

/* C: a copy of the caller in the PID namespace of `pidns_fd` (whose init becomes its parent) and the
 * mount namespace of `mntns_fd`. Returns 0 in C; in the caller C's pid as seen in that namespace, or
 * -errno. `own_pidns_fd` is the caller's own PID namespace, restored for its later children; if that
 * fails the caller must not make any more processes (-ENOTRECOVERABLE). */
static int cpagent_fork_into(int pidns_fd, int mntns_fd, int own_pidns_fd) {
    if (setns(pidns_fd, CLONE_NEWPID) < 0) return -errno;
    sigset_t all, old;
    sigfillset(&all);
    sigprocmask(SIG_SETMASK, &all, &old);
    volatile int result = -EAGAIN;
    pid_t x = vfork();
    if (x == 0) { /* the intermediate: shares the caller's memory until it exits */
        /* The runner ignores SIGCHLD (its children are reaped by the kernel), and so would this copy:
         * a C that ran its program and exited before this process was gone would vanish with its exit
         * status, and B, never seeing it, waited seconds for it and reported exit 0. With the default
         * disposition C stays a zombie, handed to B (its status intact) when this process exits.
         * (Its own signal handlers: a vfork child shares memory, not dispositions.) */
        struct sigaction dfl;
        memset(&dfl, 0, sizeof dfl);
        dfl.sa_handler = SIG_DFL;
        sigaction(SIGCHLD, &dfl, NULL);
        pid_t c = _Fork();
        if (c == 0) { /* C, with its own copy of the memory: the intermediate's return path is its own */
            if (setns(mntns_fd, CLONE_NEWNS) < 0) _exit(127);
            sigprocmask(SIG_SETMASK, &old, NULL);
            return 0;
        }
        result = c < 0 ? -errno : c;
        _exit(0); /* C is re-parented to the namespace's init */
    }
    int saved = errno;
    sigprocmask(SIG_SETMASK, &old, NULL);
    if (setns(own_pidns_fd, CLONE_NEWPID) < 0) return -ENOTRECOVERABLE;
    if (x < 0) return -saved;
    return result;
}

/* The seccomp filter every run's C installs, given once by the runner before any fork. */
int cpagent_set_filter(const char *filter, int len) {
    if (len < 0 || (size_t)len > sizeof bpf) return -EINVAL;
    memcpy(bpf, filter, len);
    bpf_len = len;
    return 0;
}

/* In C (set by cpagent_python_standby): its ends to B and to the host, the run's cgroup.procs fds. */
static int c_link = -1, c_chan = -1, c_procs[MAX_FDS], c_nprocs = 0;

static int open_ns(pid_t pid, const char *kind) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/ns/%s", (int)pid, kind);
    return open(path, O_RDONLY | O_CLOEXEC);
}

/* The next Python run's standby: B (python_init, cloned by the standby server on `server`) and C (a
 * copy of the caller in B's namespaces, joined to the run's cgroups later by cpagent_python_child).
 * In the caller: sends 'S' with C's and B's host sockets on `host` and returns B's pid (or -errno,
 * nothing left behind).
 * In C: returns 0 (the caller's interpreter must run its after-fork hooks, then call
 * cpagent_python_child). `procs` are closed in the caller either way. */
int cpagent_python_standby(int host, int server, const int *procs, int nprocs) {
    if (nprocs > MAX_FDS) nprocs = MAX_FDS;
    int b[2] = {-1, -1}, c[2] = {-1, -1}, link[2] = {-1, -1}, ns[2] = {-1, -1}, result = 0;
    pid_t bpid = -1;
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, b) < 0 ||
        socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, c) < 0 ||
        socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, link) < 0) {
        result = -errno;
        goto out;
    }
    /* B from the standby server (a clone of that small process, as for compiled runs) */
    int ends[2] = {b[1], link[0]};
    char reply[5];
    uint32_t value;
    if (send_with_fds(server, "Y", 1, ends, 2) < 0 || read_all(server, reply, sizeof reply) < 0) {
        result = -EPIPE;
        goto out;
    }
    close(b[1]);
    close(link[0]);
    b[1] = link[0] = -1;
    memcpy(&value, reply + 1, 4);
    if (reply[0] != 'S' || value == 0) { /* never 0 here: 0 means "this is C" to the caller */
        result = reply[0] != 'S' && value ? -(int)value : -EIO;
        goto out;
    }
    bpid = value;
    if ((ns[0] = open_ns(bpid, "pid")) < 0 || (ns[1] = open_ns(bpid, "mnt")) < 0) {
        result = -errno;
        goto out;
    }
    int cpid = cpagent_fork_into(ns[0], ns[1], own_pidns);
    if (cpid == 0) { /* C: only its ends to B and the host (and the cgroups' fds) stay open */
        close(ns[0]);
        close(ns[1]);
        close(b[0]);
        close(c[0]);
        close(host);
        close(server);
        c_link = link[1];
        c_chan = c[1];
        c_nprocs = nprocs;
        memcpy(c_procs, procs, sizeof(int) * nprocs);
        return 0;
    }
    if (cpid == -ENOTRECOVERABLE) _exit(70); /* still in the run's PID namespace: this runner must not go on */
    if (cpid < 0) {
        result = cpid;
        goto out;
    }
    char msg[5] = {'S'};
    uint32_t p = bpid;
    memcpy(msg + 1, &p, 4);
    int pair[2] = {c[0], b[0]};
    result = send_with_fds(host, msg, sizeof msg, pair, 2) < 0 ? -EPIPE : bpid;
out:
    if (result < 0 && bpid > 0) kill(bpid, SIGKILL);
    for (int i = 0; i < 2; i++) {
        int fds[] = {b[i], c[i], link[i], ns[i]};
        for (int k = 0; k < 4; k++)
            if (fds[k] >= 0) close(fds[k]);
    }
    for (int i = 0; i < nprocs; i++) close(procs[i]);
    return result;
}

/* The interpreter's own fork hooks (what os.fork() runs around fork()): the runner's python3 exports them. */
void PyOS_BeforeFork(void);
void PyOS_AfterFork_Parent(void);
void PyOS_AfterFork_Child(void);

/* The runner's loop for Python standbys, without Python: for every 1-byte request 'P' on `host`
 * (carrying the run's cgroup.procs fds) a standby, answered as the standby server answers ('S' + B's
 * pid with C's and B's sockets, or 'E' + u32 length + why). Returns 0 in each run's C (after the
 * interpreter's after-fork hooks), or any other request byte for the runner's Python to handle (its
 * JSON frame follows; descriptors sent with it are closed), or -1 when the host is gone. Called with
 * the interpreter's lock held (ctypes.PyDLL). */
int cpagent_serve(int host, int server) {
    for (;;) {
        int procs[MAX_FDS], nprocs = 0;
        int op = recv_with_fds(host, procs, &nprocs);
        if (op != 'P') {
            for (int i = 0; i < nprocs; i++) close(procs[i]);
            return op;
        }
        while (waitpid(-1, NULL, WNOHANG) > 0) {} /* (the runner ignores SIGCHLD: nothing is ever left) */
        PyOS_BeforeFork();
        int r = cpagent_python_standby(host, server, procs, nprocs);
        if (r == 0) {
            PyOS_AfterFork_Child();
            return 0;
        }
        PyOS_AfterFork_Parent();
        if (r < 0) send_error(host, "make a standby", -r);
    }
}

/* In C (after cpagent_serve returned 0 there): B's pipes, the run's cgroups, the host's request and
 * the whole confinement (see confine_program). Writes to `out`, each field NUL-terminated: whether
 * the std fds are of the kinds the runner prebuilt its streams for (1: stdin a regular file or a
 * character device at offset 0 and no terminal, stdout and stderr pipes of one block size, else
 * 0), stdin's and stdout's block sizes, the argument count, the arguments, the environment ("K=V").
 * Returns the length used; or ends the process: exit 0 when B or the host are gone (nothing to
 * report), "E<why>" on the error pipe when it failed. */
int cpagent_python_child(char *out, int cap) {
    /* Wait to be B's child: the intermediate that made this process is exiting (it only calls _exit)
     * and B adopts it then. Waiting here, before the run's request, keeps a program from starting
     * (and ending) as the intermediate's child, which B cannot see or reap (see cpagent_fork_into). */
    for (int i = 0; getppid() != 1 && i < 20000; i++) {
        if (i < 1000) sched_yield();
        else usleep(50);
    }
    uint32_t me = getpid();
    int pipes[MAX_FDS], npipes = 0;
    if (write_all(c_link, &me, 4) < 0 || recv_with_fds(c_link, pipes, &npipes) != 'N' || npipes != 3) _exit(0);
    close(c_link);
    char **args, **env;
    confine_program(c_chan, pipes[2], pipes[0], pipes[1], c_procs, c_nprocs, 0, &args, &env);
    struct stat in, o, e;
    int kinds = fstat(0, &in) == 0 && fstat(1, &o) == 0 && fstat(2, &e) == 0 &&
                (S_ISREG(in.st_mode) || S_ISCHR(in.st_mode)) && lseek(0, 0, SEEK_CUR) == 0 && !isatty(0) &&
                S_ISFIFO(o.st_mode) && S_ISFIFO(e.st_mode) && o.st_blksize == e.st_blksize;
    int nargs = 0;
    while (args[nargs]) nargs++;
    int n = snprintf(out, cap, "%d%c%ld%c%ld%c%d%c", kinds, 0, kinds ? (long)in.st_blksize : 0L, 0,
                     kinds ? (long)o.st_blksize : 0L, 0, nargs, 0);
    char **lists[2] = {args, env};
    for (int k = 0; k < 2; k++)
        for (char **item = lists[k]; *item; item++) {
            size_t len = strlen(*item) + 1;
            if (n < 0 || (size_t)(cap - n) < len) fail("the program's arguments are too long");
            memcpy(out + n, *item, len);
            n += len;
        }
    return n;
}
#else
int main(int argc, char **argv) {
    if (argc >= 4 && strcmp(argv[1], "server") == 0) {
        read_bpf(atoi(argv[3]));
        return server(atoi(argv[2]), argc >= 5 ? atoi(argv[4]) : -1);
    }
    if (argc >= 7 && strcmp(argv[1], "watch") == 0) {
        signal(SIGCHLD, SIG_DFL);
        int chan = atoi(argv[2]), out_r = atoi(argv[3]), err_r = atoi(argv[4]), error_r = atoi(argv[5]);
        watch(chan, out_r, err_r, error_r, (pid_t)atoi(argv[6]), argc >= 8 ? argv[7] : "");
    }
    fprintf(stderr, "usage: %s server SOCK BPF_FD [RUNNER] | watch CHAN OUT ERR ERROR CPID [SETUP_ERROR]\n",
            argv[0]);
    return 2;
}
#endif
