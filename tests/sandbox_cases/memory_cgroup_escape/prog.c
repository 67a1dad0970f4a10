/* Tries to lift its own limits before allocating 256 MiB: writes to every memory and pids limit
 * file it can find under /sys/fs/cgroup (its own cgroup first), and raises its rlimits. */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
static int depth_left = 6;
static void lift(const char *dir) {
    DIR *d = opendir(dir);
    if (!d || depth_left == 0) { if (d) closedir(d); return; }
    depth_left--;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (e->d_type == DT_DIR) { lift(path); continue; }
        if (strstr(e->d_name, "limit_in_bytes") || !strcmp(e->d_name, "memory.max") || !strcmp(e->d_name, "pids.max")) {
            FILE *f = fopen(path, "w");
            if (f && fputs(strstr(e->d_name, "pids") ? "max" : "-1", f) >= 0 && fclose(f) == 0)
                printf("LIFTED %s\n", path);
            else if (f) fclose(f);
        }
    }
    depth_left++;
    closedir(d);
}
int main(void) {
    lift("/sys/fs/cgroup");
    struct rlimit r = {RLIM_INFINITY, RLIM_INFINITY};
    if (setrlimit(RLIMIT_AS, &r) == 0) puts("LIFTED RLIMIT_AS");
    if (setrlimit(RLIMIT_DATA, &r) == 0) puts("LIFTED RLIMIT_DATA");
    fflush(stdout);
    for (int i = 0; i < 256; i++) {
        char *p = malloc(1 << 20);
        if (!p) return 1;
        memset(p, 1, 1 << 20);
    }
    puts("ALLOCATED 256 MiB");
    return 0;
}
