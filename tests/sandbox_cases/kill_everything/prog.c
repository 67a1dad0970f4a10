/* kill(-1, SIGKILL): every process it may signal. Only run once the runner has checked that the
 * sandbox cannot reach the runner's pid (a sentinel process of the runner must survive). */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
int main(void) {
    int rc = kill(-1, SIGKILL);
    printf("SURVIVED rc %d\n", rc);
    return 0;
}
