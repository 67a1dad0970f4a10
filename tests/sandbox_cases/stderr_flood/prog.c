/* Floods stderr (bounded at 512 MiB), then prints a short answer. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
int main(void) {
    static char line[4096];
    memset(line, 'e', sizeof line - 1);
    line[sizeof line - 2] = '\n';
    for (int i = 0; i < 131072; i++) fputs(line, stderr);
    puts("42");
    return 0;
}
