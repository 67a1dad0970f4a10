/* Daemonizes the classic way (fork, setsid, fork, close stdio) and returns at once. The daemon
 * sleeps and then tries to leave a file behind: the sandbox must kill it when the run ends. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
int main(void) {
    pid_t pid = fork();
    if (pid == 0) {
        setsid();
        if (fork() == 0) {
            close(0); close(1); close(2);
            for (int i = 0; i < 30; i++) {
                sleep(1);
                int fd = open("/tmp/hostile-pwned-daemon", O_WRONLY | O_CREAT | O_APPEND, 0644);
                if (fd >= 0) { write(fd, "alive\n", 6); close(fd); }
            }
            _exit(0);
        }
        _exit(0);
    }
    puts("parent done");
    return 0;
}
