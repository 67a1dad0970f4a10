/* A file-output problem: plants output.txt as a symlink to a secret on the host (a path that does
 * not exist inside), hoping the judge follows it when it collects output.txt. */
#define _GNU_SOURCE
#include <stdio.h>
#include <unistd.h>
int main(void) {
    unlink("output.txt");
    if (symlink("@@SECRET_TMP@@", "output.txt") != 0) perror("symlink");
    return 0;
}
