/* Runs the setuid-root /usr/bin/mount to mount a tmpfs on ./mnt. If the mount appears (./mnt on a
 * different device than .), a setuid binary gave the program privileges: prints ESCALATED. Also
 * prints its ids and the NoNewPrivs flag for the record. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
int main(void) {
    printf("uid %d euid %d\n", (int)getuid(), (int)geteuid());
    FILE *s = fopen("/proc/self/status", "r");
    char line[256];
    while (s && fgets(line, sizeof line, s))
        if (strncmp(line, "NoNewPrivs", 10) == 0 || strncmp(line, "CapEff", 6) == 0) fputs(line, stdout);
    if (s) fclose(s);
    mkdir("mnt", 0755);
    pid_t pid = fork();
    if (pid == 0) {
        execl("/usr/bin/mount", "mount", "-t", "tmpfs", "-o", "size=1m", "none", "mnt", (char *)0);
        _exit(127);
    }
    int status = 0;
    if (pid > 0) waitpid(pid, &status, 0);
    struct stat a, b;
    if (stat(".", &a) == 0 && stat("mnt", &b) == 0 && a.st_dev != b.st_dev) {
        puts("ESCALATED mount");
        pid = fork();
        if (pid == 0) { execl("/usr/bin/umount", "umount", "mnt", (char *)0); _exit(127); }
        if (pid > 0) waitpid(pid, 0, 0);
    } else {
        printf("mount exit status %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    }
    return 0;
}
