; NSIS installer of the Windows app: per user, no administrator rights, into
; %LOCALAPPDATA%\Programs\sohoa, with a Start-menu entry and an uninstaller.
; makensis -DVERSION=0.1.0 -DAPPDIR=<PyInstaller dist/sohoa> -DOUTFILE=<setup.exe> windows/sohoa.nsi
Unicode true
Target amd64-unicode          ; the 64-bit stub (the default 32-bit one needs WoW64)
SetCompressor zlib            ; LZMA solid is ~25 % smaller but takes minutes longer to build
ManifestDPIAware true
RequestExecutionLevel user

!ifndef VERSION
  !define VERSION 0.0.0
!endif
!define APP "sohoa"
!define UNINST_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\sohoa"

Name "Số hóa hồ sơ (sohoa) ${VERSION}"
OutFile "${OUTFILE}"
InstallDir "$LOCALAPPDATA\Programs\sohoa"
InstallDirRegKey HKCU "Software\sohoa" "InstallDir"
ShowInstDetails nevershow
ShowUninstDetails nevershow

!include "MUI2.nsh"
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES
!insertmacro MUI_LANGUAGE "Vietnamese"
!insertmacro MUI_LANGUAGE "English"

Section "sohoa"
  SetShellVarContext current
  SetOutPath "$INSTDIR"
  RMDir /r "$INSTDIR\_internal"   ; an upgrade leaves no stale library behind
  File /r "${APPDIR}\*.*"
  WriteUninstaller "$INSTDIR\uninstall.exe"
  CreateDirectory "$SMPROGRAMS\sohoa"
  CreateShortcut "$SMPROGRAMS\sohoa\Số hóa hồ sơ.lnk" "$INSTDIR\sohoa-gui.exe" "gui" "$INSTDIR\sohoa-gui.exe" 0
  CreateShortcut "$SMPROGRAMS\sohoa\Gỡ cài đặt sohoa.lnk" "$INSTDIR\uninstall.exe"
  WriteRegStr HKCU "Software\sohoa" "InstallDir" "$INSTDIR"
  WriteRegStr HKCU "${UNINST_KEY}" "DisplayName" "Số hóa hồ sơ (sohoa)"
  WriteRegStr HKCU "${UNINST_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKCU "${UNINST_KEY}" "Publisher" "sohoa"
  WriteRegStr HKCU "${UNINST_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKCU "${UNINST_KEY}" "DisplayIcon" "$INSTDIR\sohoa-gui.exe"
  WriteRegStr HKCU "${UNINST_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegStr HKCU "${UNINST_KEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'
  WriteRegDWORD HKCU "${UNINST_KEY}" "NoModify" 1
  WriteRegDWORD HKCU "${UNINST_KEY}" "NoRepair" 1
SectionEnd

Section "Uninstall"
  SetShellVarContext current
  ; only the program: the officer's dossiers and settings (%LOCALAPPDATA%\sohoa\sohoa) stay
  RMDir /r "$INSTDIR\_internal"
  Delete "$INSTDIR\sohoa.exe"
  Delete "$INSTDIR\sohoa-gui.exe"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"
  Delete "$SMPROGRAMS\sohoa\Số hóa hồ sơ.lnk"
  Delete "$SMPROGRAMS\sohoa\Gỡ cài đặt sohoa.lnk"
  RMDir "$SMPROGRAMS\sohoa"
  DeleteRegKey HKCU "${UNINST_KEY}"
  DeleteRegKey HKCU "Software\sohoa"
SectionEnd
