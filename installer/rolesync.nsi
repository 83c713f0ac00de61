; RoleSync Windows installer (NSIS 3, 64-bit). Built by scripts/build-installer.sh:
;   makensis -DEXE=<rolesync.exe> -DOUTFILE=<setup.exe> [-DVERSION=x.y.z] [-DWEBVIEW2LOADER=<dll>] installer/rolesync.nsi
; Silent install: RoleSync-setup.exe /S [/D=C:\Path]   Silent uninstall: "<dir>\uninstall.exe" /S
; The configuration, logs and reports in %ProgramData%\RoleSync are kept on uninstall.

Unicode true
Target amd64-unicode
SetCompressor /SOLID lzma
RequestExecutionLevel admin

!ifndef EXE
  !error "give the exe: -DEXE=path\to\rolesync.exe"
!endif
!ifndef OUTFILE
  !define OUTFILE "RoleSync-setup.exe"
!endif
!ifndef VERSION
  !define VERSION "0.1.0"
!endif
!define UNINSTALL_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\RoleSync"

Name "RoleSync ${VERSION}"
OutFile "${OUTFILE}"
InstallDir "$PROGRAMFILES64\RoleSync"
InstallDirRegKey HKLM "${UNINSTALL_KEY}" "InstallLocation"
ShowInstDetails show

Page directory
Page instfiles
UninstPage uninstConfirm
UninstPage instfiles

Function .onInit
  SetRegView 64
  SetShellVarContext all
FunctionEnd

Function un.onInit
  SetRegView 64
  SetShellVarContext all
FunctionEnd

Section "RoleSync"
  SetOutPath "$INSTDIR"
  File "/oname=rolesync.exe" "${EXE}"
!ifdef WEBVIEW2LOADER
  File "/oname=WebView2Loader.dll" "${WEBVIEW2LOADER}"
!endif
  File "/oname=rolesync.example.toml" "..\config\rolesync.example.toml"
  CreateDirectory "$APPDATA\RoleSync"
  CreateDirectory "$APPDATA\RoleSync\logs"
  WriteUninstaller "$INSTDIR\uninstall.exe"
  CreateShortcut "$SMPROGRAMS\RoleSync.lnk" "$INSTDIR\rolesync.exe"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "DisplayName" "RoleSync"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "Publisher" "RoleSync"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "DisplayIcon" "$INSTDIR\rolesync.exe"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegStr HKLM "${UNINSTALL_KEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'
  WriteRegDWORD HKLM "${UNINSTALL_KEY}" "NoModify" 1
  WriteRegDWORD HKLM "${UNINSTALL_KEY}" "NoRepair" 1
SectionEnd

Section "Uninstall"
  Delete "$INSTDIR\rolesync.exe"
  Delete "$INSTDIR\WebView2Loader.dll"
  Delete "$INSTDIR\rolesync.example.toml"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"
  Delete "$SMPROGRAMS\RoleSync.lnk"
  DeleteRegKey HKLM "${UNINSTALL_KEY}"
SectionEnd
