/* Reads RoleSync's event messages the way Event Viewer does: loads the message file as data and
 * formats each id with one insertion string. Prints "<id>: <text>" per id, exit 3 when an id has
 * no message. Test infrastructure only. Usage: format_message.exe <dll> <id>... */
#include <windows.h>
#include <stdio.h>
#include <stdlib.h>
int main(int argc, char **argv) {
    if (argc < 3) return 2;
    HMODULE m = LoadLibraryExA(argv[1], NULL, LOAD_LIBRARY_AS_DATAFILE);
    if (!m) { printf("cannot load %s: %lu\n", argv[1], GetLastError()); return 4; }
    const char *insert[] = { "probe text" };
    for (int i = 2; i < argc; i++) {
        char buf[512];
        DWORD id = (DWORD)strtoul(argv[i], NULL, 10);
        DWORD n = FormatMessageA(FORMAT_MESSAGE_FROM_HMODULE | FORMAT_MESSAGE_ARGUMENT_ARRAY, m, id, 0,
                                 buf, sizeof buf, (va_list *)insert);
        if (!n) { printf("%lu: no message (%lu)\n", id, GetLastError()); return 3; }
        printf("%lu: %s\n", id, buf);
    }
    return 0;
}
