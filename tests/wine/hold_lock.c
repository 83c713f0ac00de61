/* Plays "the other run" under Wine: takes RoleSync's run lock the way Rust's File::try_lock does
 * on Windows (LockFileEx, exclusive), writes the holder file, prints "locked", and holds the lock
 * until its stdin closes. Test infrastructure only. Usage: hold_lock.exe <data dir> */
#include <windows.h>
#include <stdio.h>
int main(int argc, char **argv) {
    if (argc < 2) return 2;
    char lock[MAX_PATH], info[MAX_PATH];
    snprintf(lock, sizeof lock, "%s\\rolesync.lock", argv[1]);
    snprintf(info, sizeof info, "%s\\rolesync.lock.info", argv[1]);
    CreateDirectoryA(argv[1], NULL);
    HANDLE h = CreateFileA(lock, GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL, OPEN_ALWAYS, 0, NULL);
    if (h == INVALID_HANDLE_VALUE) return 3;
    OVERLAPPED ov = {0};
    if (!LockFileEx(h, LOCKFILE_EXCLUSIVE_LOCK | LOCKFILE_FAIL_IMMEDIATELY, 0, MAXDWORD, MAXDWORD, &ov)) return 4;
    FILE *f = fopen(info, "w");
    if (!f) return 5;
    fprintf(f, "{\"pid\":%lu,\"command\":\"sync\",\"started\":\"2026-11-27T02:30:00Z\"}", GetCurrentProcessId());
    fclose(f);
    printf("locked\n");
    fflush(stdout);
    char buf[64];
    while (fgets(buf, sizeof buf, stdin)) {}
    return 0;
}
