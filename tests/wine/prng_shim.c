/* Wine 8.0 lacks bcryptprimitives!ProcessPrng, which Rust's std (>= 1.78) imports: every Rust
 * exe exits 53 at load. This shim provides it through RtlGenRandom. Test infrastructure only. */
#include <windows.h>
BOOLEAN WINAPI SystemFunction036(PVOID, ULONG);
BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
    while (len > 0) {
        ULONG chunk = len > 0x10000000 ? 0x10000000 : (ULONG)len;
        if (!SystemFunction036(data, chunk)) return FALSE;
        data += chunk;
        len -= chunk;
    }
    return TRUE;
}
