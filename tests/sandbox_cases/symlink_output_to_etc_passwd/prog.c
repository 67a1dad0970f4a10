/* A file-output problem: output.txt is a symlink to /etc/passwd. */
#define _GNU_SOURCE
#include <stdio.h>
#include <unistd.h>
int main(void) {
    unlink("output.txt");
    if (symlink("/etc/passwd", "output.txt") != 0) perror("symlink");
    return 0;
}
