/* Prints every byte value four times, then invalid UTF-8 (lone continuation bytes, an overlong
 * encoding, a truncated sequence), then a NUL and no final newline. */
#define _GNU_SOURCE
#include <stdio.h>
int main(void) {
    for (int r = 0; r < 4; r++)
        for (int b = 0; b < 256; b++) putchar(b);
    const unsigned char bad[] = {0x80, 0xbf, 0xc0, 0xaf, 0xe2, 0x82, 0xff, 0xfe, 0x00};
    fwrite(bad, 1, sizeof bad, stdout);
    return 0;
}
