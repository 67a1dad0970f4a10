/* A trusted testlib-style interactor: `interactor input.txt output.txt`. The secret is in input.txt;
 * it asks for a guess, and accepts only the secret itself. */
#include <stdio.h>
#include <string.h>
int main(int argc, char **argv) {
    char secret[128] = {0}, guess[256] = {0};
    FILE *in = argc > 1 ? fopen(argv[1], "r") : 0;
    if (!in || fscanf(in, "%127s", secret) != 1) return 3;
    printf("guess\n");
    fflush(stdout);
    if (scanf("%255s", guess) != 1) return 1;
    return strcmp(secret, guess) == 0 ? 0 : 1;
}
