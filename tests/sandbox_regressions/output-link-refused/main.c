#include <unistd.h>
int main(void) { return symlink("input.txt", "output.txt") == 0 ? 0 : 1; }
