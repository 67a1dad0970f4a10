/* Reads every open descriptor above 2 from its start (and lists directories held open, the way out
 * of a chroot): descriptors of the judge must not be inherited. */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>
int main(void) {
    for (int fd = 3; fd < 4096; fd++) {
        struct stat st;
        if (fstat(fd, &st) != 0) continue;
        printf("FD %d mode %o\n", fd, (unsigned)st.st_mode);
        if (S_ISDIR(st.st_mode)) {
            int dup_fd = openat(fd, ".", O_RDONLY | O_DIRECTORY);
            DIR *d = dup_fd >= 0 ? fdopendir(dup_fd) : 0;
            struct dirent *e;
            while (d && (e = readdir(d))) {
                printf("  entry %s\n", e->d_name);
                int f = openat(fd, e->d_name, O_RDONLY);
                char buf[256];
                ssize_t n = f >= 0 ? read(f, buf, sizeof buf) : -1;
                if (n > 0) { fwrite(buf, 1, n, stdout); putchar('\n'); }
                if (f >= 0) close(f);
            }
            continue;
        }
        char buf[4096];
        ssize_t n = pread(fd, buf, sizeof buf, 0);
        if (n <= 0) n = read(fd, buf, sizeof buf);
        if (n > 0) { fwrite(buf, 1, n, stdout); putchar('\n'); }
    }
    return 0;
}
