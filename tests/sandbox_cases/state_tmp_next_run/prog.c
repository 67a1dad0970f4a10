/* Run 1 ("write") leaves files in /tmp, /var/tmp and the work directory; run 2 ("check") looks for
 * them, prints FOUND for each, and removes what it found. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <unistd.h>
int main(void) {
    const char *paths[] = {"/tmp/hostile-pwned-state", "/var/tmp/hostile-pwned-state", "hostile-pwned-state"};
    char mode[16] = {0};
    if (scanf("%15s", mode) != 1) return 3;
    for (unsigned i = 0; i < sizeof paths / sizeof *paths; i++) {
        if (strcmp(mode, "write") == 0) {
            FILE *f = fopen(paths[i], "w");
            if (f) { fputs("state\n", f); fclose(f); printf("LEFT %s\n", paths[i]); }
        } else if (access(paths[i], F_OK) == 0) {
            printf("FOUND %s\n", paths[i]);
            unlink(paths[i]);
        }
    }
    return 0;
}
