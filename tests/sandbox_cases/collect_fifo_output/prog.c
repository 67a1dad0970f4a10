/* A file-output problem whose output.txt is a FIFO nobody writes to: a judge that opens it for
 * reading without care blocks forever. */
#define _GNU_SOURCE
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>
int main(void) {
    unlink("output.txt");
    if (mkfifo("output.txt", 0644) != 0) perror("mkfifo");
    puts("done");
    return 0;
}
