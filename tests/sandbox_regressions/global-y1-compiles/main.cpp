#include <iostream>
int y1 = 7;
int main() { std::cout << y1 << "\n"; }
