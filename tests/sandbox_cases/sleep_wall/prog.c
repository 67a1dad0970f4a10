/* Uses no CPU at all: only the wall-clock limit can end it. */
#define _GNU_SOURCE
#include <unistd.h>
int main(void) { sleep(20); return 0; }
