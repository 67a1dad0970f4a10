/* The run's program process when it is not Python: a tiny exec helper.
 *
 * B (the run's init, see runner.py) forks and execs this helper ahead of time. It joins the run's
 * cgroups, reads the seccomp filter, and waits for the host's request on its socket. Then it writes
 * the run's files into /work, sets rlimits and the std fds, closes every other fd, drops all
 * capabilities, sets no_new_privs, installs the filter, and execs the program in its own place.
 * Being small, it starts the program at the cost of a plain exec: a forked Python interpreter
 * costs several times more to tear down than a short program takes to run.
 *
 * usage: helper SOCK_FD ERROR_FD BPF_FD OUT_FD ERR_FD [PROCS_FD...]
 * request: a 1-byte message carrying the fds (SCM_RIGHTS), then u32 length + body (host order):
 *   u32 nargv {u32 len, bytes}; u32 nenv {u32 len, bytes "K=V"};
 *   u32 nfiles {u32 namelen, name, u32 mode, i32 fd_index, u32 datalen, data};
 *   i32 stdin_index, i32 stdout_index; u64 cpu_s, fsize, stack, nofile, address_space; u32 tmpfs_mb
 * Any failure before the exec is written to ERROR_FD as "E<message>" (the host reports IE).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
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
#include <unistd.h>

#define MAX_FDS 16
#define DEFAULT_TMPFS_MB 64

extern char **environ;
static int error_fd = -1;

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

static void read_all(int fd, void *buf, size_t n) {
    char *p = buf;
    while (n) {
        ssize_t k = read(fd, p, n);
        if (k == 0) _exit(0); /* the slot is closing: this standby is not needed */
        if (k < 0) {
            if (errno == EINTR) continue;
            fail("read request: %s", strerror(errno));
        }
        p += k;
        n -= k;
    }
}

struct cursor { const char *p, *end; };

static const char *take(struct cursor *c, size_t n) {
    if ((size_t)(c->end - c->p) < n) fail("malformed request");
    const char *at = c->p;
    c->p += n;
    return at;
}
static uint32_t u32(struct cursor *c) { uint32_t v; memcpy(&v, take(c, 4), 4); return v; }
static int32_t i32(struct cursor *c) { int32_t v; memcpy(&v, take(c, 4), 4); return v; }
static uint64_t u64(struct cursor *c) { uint64_t v; memcpy(&v, take(c, 8), 8); return v; }

static char *str(struct cursor *c) {
    uint32_t n = u32(c);
    const char *s = take(c, n);
    char *out = malloc(n + 1);
    if (!out) fail("out of memory");
    memcpy(out, s, n);
    out[n] = 0;
    return out;
}

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

int main(int argc, char **argv) {
    if (argc < 6) return 2;
    int sock = atoi(argv[1]);
    error_fd = atoi(argv[2]);
    int bpf_fd = atoi(argv[3]), out_fd = atoi(argv[4]), err_fd = atoi(argv[5]);

    /* An exec from Python keeps ignored signals ignored (SIGPIPE...): the program starts clean. */
    for (int sig = 1; sig < NSIG; sig++) signal(sig, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);

    for (int i = 6; i < argc; i++) { /* join the run's cgroups now, off the run's critical path */
        int fd = atoi(argv[i]);
        if (write(fd, "0", 1) != 1) fail("join cgroup: %s", strerror(errno));
        close(fd);
    }
    static char bpf[65536];
    size_t bpf_len = 0;
    for (;;) {
        ssize_t k = read(bpf_fd, bpf + bpf_len, sizeof bpf - bpf_len);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) break;
        bpf_len += k;
    }
    close(bpf_fd);

    /* wait for the run */
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
    if (got <= 0) _exit(0);
    int fds[MAX_FDS], nfds = 0;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
            int n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
            for (int i = 0; i < n && nfds < MAX_FDS; i++) memcpy(&fds[nfds++], CMSG_DATA(c) + i * sizeof(int), sizeof(int));
        }
    }
    uint32_t len;
    read_all(sock, &len, 4);
    if (len > (1u << 30)) fail("request too large");
    char *body = malloc(len ? len : 1);
    if (!body) fail("out of memory");
    read_all(sock, body, len);
    close(sock);
    struct cursor c = {body, body + len};

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
    for (uint32_t i = 0; i < nfiles; i++) {
        take(&c, u32(&c));
        u32(&c);
        i32(&c);
        take(&c, u32(&c));
    }
    int32_t stdin_index = i32(&c), stdout_index = i32(&c);
    uint64_t cpu = u64(&c), fsize = u64(&c), stack = u64(&c), nofile = u64(&c), address_space = u64(&c);
    uint32_t tmpfs_mb = u32(&c);

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
        } else {
            for (uint32_t done = 0; done < datalen;) {
                ssize_t k = write(out, data + done, datalen - done);
                if (k < 0 && errno == EINTR) continue;
                if (k <= 0) fail("write %s: %s", name, strerror(errno));
                done += k;
            }
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
    environ = env;
    if (write(3, "R", 1) != 1) _exit(127); /* the program starts now: from here its fate is its own */
    execvp(args[0], args);
    fail("exec %s: %s", args[0], strerror(errno));
    return 127;
}
