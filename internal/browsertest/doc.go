// Package browsertest drives bankhubtest's hosted link page in a real
// browser (headless Chromium through chromedp), inside an iframe of a test
// parent page, as a merchant's frontend embeds it. It is its own module so
// that the SDK's users never download chromedp.
//
// The tests need Chromium (Debian's chromium package; or CHROMIUM=path).
// Without it they skip, except under CI=true, where they fail. With
// BANKHUB_SCREENSHOTS=dir they save a PNG of each step there; the README's
// screenshots come from that.
package browsertest
