/* Can the sandbox address the runner's process? Reads the runner's pid from stdin and prints
 * "PID <own pid>" and "KILL0 <rc> <errno>" for kill(runner, 0). Cases that signal or trace other
 * processes only run when this shows the runner is out of reach. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>
int main(void) {
    int runner = 0;
    if (scanf("%d", &runner) != 1) return 3;
    int rc = kill(runner, 0);
    printf("PID %d\nKILL0 %d %d\n", (int)getpid(), rc, rc ? errno : 0);
    return 0;
}
