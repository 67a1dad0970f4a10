// Interactor for "Mountain Peak" (testlib convention, plain C++): interactor INPUT [OUTPUT].
// stdin/stdout are joined to the solution. Exit 0 OK, 1 WA, 2 PE; 3 when the test file itself is broken.
// A one-line summary goes to OUTPUT when given, and to stderr.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

enum { OK = 0, WA = 1, PE = 2, FAIL = 3 };
const int MAX_QUERIES = 30;
static const char *summary_path = nullptr;

[[noreturn]] void verdict(int code, const std::string &message) {
    std::string line = std::string(code == OK ? "ok " : code == WA ? "wrong answer " : code == PE ? "presentation error " : "FAIL ") + message;
    std::cerr << line << "\n";
    if (summary_path) {
        if (FILE *f = std::fopen(summary_path, "w")) { std::fprintf(f, "%s\n", line.c_str()); std::fclose(f); }
    }
    std::exit(code);
}

bool read_index(long long &value) {
    std::string token;
    if (!(std::cin >> token) || token.size() > 18) return false;
    char *end = nullptr;
    value = std::strtoll(token.c_str(), &end, 10);
    return !token.empty() && *end == '\0';
}

int main(int argc, char **argv) {
    if (argc < 2) verdict(FAIL, "usage: interactor input [output]");
    if (argc >= 3) summary_path = argv[2];
    std::ifstream inf(argv[1]);
    int n;
    if (!(inf >> n) || n < 1) verdict(FAIL, "bad test file");
    std::vector<long long> a(n + 1);
    int peak = 1;
    for (int i = 1; i <= n; ++i) {
        if (!(inf >> a[i])) verdict(FAIL, "bad test file");
        if (a[i] > a[peak]) peak = i;
    }
    std::cout << n << std::endl;
    int queries = 0;
    for (;;) {
        std::string cmd;
        if (!(std::cin >> cmd)) verdict(PE, "the solution ended without printing an answer");
        long long x;
        if (cmd == "?") {
            if (!read_index(x)) verdict(PE, "expected an index after '?'");
            ++queries;
            if (x < 1 || x > n) { std::cout << -1 << std::endl; verdict(WA, "invalid index " + std::to_string(x)); }
            if (queries > MAX_QUERIES) { std::cout << -1 << std::endl; verdict(WA, "more than 30 questions"); }
            std::cout << a[x] << std::endl;
        } else if (cmd == "!") {
            if (!read_index(x)) verdict(PE, "expected an index after '!'");
            if (x != peak) verdict(WA, "answered " + std::to_string(x) + ", the peak is " + std::to_string(peak));
            verdict(OK, "peak " + std::to_string(peak) + " found with " + std::to_string(queries) + " questions");
        } else {
            verdict(PE, "expected '?' or '!', got '" + cmd.substr(0, 20) + "'");
        }
    }
}
