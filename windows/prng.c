/* bcryptprimitives.dll for the Wine 8 TEST prefix only (never shipped): Wine 8.0 lacks
 * ProcessPrng, which the Rust core of `cryptography` imports. It fills the buffer from
 * RtlGenRandom (advapi32 SystemFunction036), which Wine has.
 * x86_64-w64-mingw32-gcc -shared -O2 -o bcryptprimitives.dll prng.c prng.def -ladvapi32 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T size)
{
    while (size > 0) {
        ULONG chunk = size > 0x40000000 ? 0x40000000 : (ULONG)size;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        size -= chunk;
    }
    return TRUE;
}
