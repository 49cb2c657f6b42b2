/*
 * bcryptprimitives.dll for Wine 8: the one export a Go windows/amd64 program
 * needs from it.
 *
 * Since Go 1.22 the Go runtime gets its random bytes (map seeds, crypto/rand)
 * from bcryptprimitives.dll!ProcessPrng, loaded at start-up. Windows 10 and
 * later have it; Wine 8 has no bcryptprimitives.dll at all, so every Go
 * program dies before main. This DLL provides ProcessPrng on top of
 * advapi32!SystemFunction036 (RtlGenRandom), which Wine has long implemented.
 * ProcessPrng takes a SIZE_T length and, by contract, never fails;
 * RtlGenRandom takes a ULONG, so the buffer is filled in chunks.
 *
 * Build (package internal/winleg does this, from the embedded copy):
 *   x86_64-w64-mingw32-gcc -O2 -s -shared -o bcryptprimitives.dll \
 *       shim.c shim.def -ladvapi32
 * and copy the DLL to $WINEPREFIX/drive_c/windows/system32.
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
    while (length > 0) {
        ULONG n = length > 0x40000000 ? 0x40000000 : (ULONG)length;
        if (!SystemFunction036(data, n))
            return FALSE;
        data += n;
        length -= n;
    }
    return TRUE;
}
