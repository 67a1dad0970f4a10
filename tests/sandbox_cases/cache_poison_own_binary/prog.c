/* Run 1 ("poison"): prints ORIGINAL, then replaces itself with a shell that overwrites its own
 * binary (no longer busy once exec'd away) with a script printing POISONED. Run 2 ("check") must
 * still print ORIGINAL: the cached binary is bound read-only or copied, never shared writable. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <unistd.h>
int main(int argc, char **argv) {
    char mode[16] = {0};
    if (scanf("%15s", mode) != 1) return 3;
    puts("ORIGINAL");
    fflush(stdout);
    if (strcmp(mode, "poison") == 0) {
        char script[512];
        snprintf(script, sizeof script,
                 "for f in %s ./main ./* /proc/1/cwd/main; do printf '#!/bin/sh\\necho POISONED\\n' > \"$f\"; "
                 "chmod +x \"$f\"; done 2>/dev/null; true", argc > 0 ? argv[0] : "./main");
        execl("/bin/sh", "sh", "-c", script, (char *)0);
    }
    return 0;
}
