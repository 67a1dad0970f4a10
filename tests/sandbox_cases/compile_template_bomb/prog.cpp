// Each level instantiates two new distinct templates: 2^30 instantiations, far past any memory.
template <int N, unsigned M> struct Bomb {
    static const unsigned value = Bomb<N - 1, M * 2>::value + Bomb<N - 1, M * 2 + 1>::value;
};
template <unsigned M> struct Bomb<0, M> { static const unsigned value = M & 1; };
int main() { return Bomb<30, 1>::value != 0; }
