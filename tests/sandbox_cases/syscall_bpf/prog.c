/* bpf(BPF_MAP_CREATE) and bpf(BPF_PROG_LOAD): prints "ALLOWED <call>" when the kernel accepted the call (or got far enough to reject its
 * arguments), "DENIED <call>" when it was refused (EPERM, EACCES, ENOSYS), and dies with SIGSYS
 * when a seccomp filter kills it. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

union bpf_attr_min {
    struct { unsigned map_type, key_size, value_size, max_entries, map_flags; } map;
    struct { unsigned prog_type, insn_cnt; unsigned long long insns, license; unsigned log_level, log_size;
             unsigned long long log_buf; unsigned kern_version; } prog;
    char pad[128];
};
static void report(const char *name, long rc) {
    if (rc >= 0) printf("ALLOWED %s\n", name);
    else if (errno == EPERM || errno == EACCES || errno == ENOSYS) printf("DENIED %s errno %d\n", name, errno);
    else printf("ALLOWED %s (reached the kernel, errno %d)\n", name, errno);
    fflush(stdout);
}
int main(void) {

    union bpf_attr_min attr;
    memset(&attr, 0, sizeof attr);
    attr.map.map_type = 2; /* BPF_MAP_TYPE_ARRAY */
    attr.map.key_size = 4;
    attr.map.value_size = 4;
    attr.map.max_entries = 1;
    report("bpf(BPF_MAP_CREATE)", syscall(SYS_bpf, 0, &attr, sizeof attr));
    unsigned long long insns[2] = {0x00000000000000b7ULL, 0x0000000000000095ULL}; /* r0 = 0; exit */
    memset(&attr, 0, sizeof attr);
    attr.prog.prog_type = 1; /* BPF_PROG_TYPE_SOCKET_FILTER */
    attr.prog.insn_cnt = 2;
    attr.prog.insns = (unsigned long long)(unsigned long)insns;
    attr.prog.license = (unsigned long long)(unsigned long)"GPL";
    report("bpf(BPF_PROG_LOAD)", syscall(SYS_bpf, 5, &attr, sizeof attr));
    return 0;
}
