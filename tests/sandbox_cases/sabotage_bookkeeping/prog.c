/* Sabotages whatever bookkeeping a sandbox might keep next to the program: replaces the usual
 * status/output file names in its work directory with directories and FIFOs, then makes the work
 * directory unreadable and unwritable. A sandbox that reads its own results from there reports IE,
 * which is retried and dropped from scoring: a program must never be able to cause that. */
#define _GNU_SOURCE
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>
int main(void) {
    const char *names[] = {".status", ".stdout", ".stderr", ".stdin", "status", "meta", "output.txt",
                           "stdout", "stderr", "result", "result.json", ".result"};
    puts("3");
    fflush(stdout);
    for (unsigned i = 0; i < sizeof names / sizeof *names; i++) {
        unlink(names[i]);
        if (i % 2) mkdir(names[i], 0);
        else mkfifo(names[i], 0);
    }
    chmod(".", 0);
    return 0;
}
