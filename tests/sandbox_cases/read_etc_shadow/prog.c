/* Prints /etc/shadow and /etc/gshadow if it can read them; the runner checks no line of the host's
 * files shows up in the output. */
#define _GNU_SOURCE
#include <stdio.h>
static void dump(const char *path) {
    FILE *f = fopen(path, "r");
    if (!f) { printf("DENIED %s\n", path); return; }
    char line[512];
    while (fgets(line, sizeof line, f)) fputs(line, stdout);
    fclose(f);
}
int main(void) { dump("/etc/shadow"); dump("/etc/gshadow"); return 0; }
