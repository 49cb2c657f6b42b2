package wine

import "golang.org/x/sys/windows"

// Detected reports whether this Windows program runs under Wine: Wine's
// ntdll.dll exports wine_get_version, Windows' does not.
func Detected() bool {
	return windows.NewLazySystemDLL("ntdll.dll").NewProc("wine_get_version").Find() == nil
}
