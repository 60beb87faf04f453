# kimage: `make demo` boots the example, `make test` runs every test.
SWIFT   ?= swift
PREFIX  ?= /usr/local
DEBUG_BIN   := .build/debug/kimage
RELEASE_BIN := .build/release/kimage

.PHONY: all bootstrap build release test lint demo bench fuzz install install-files manual-tool clean generate

all: build

# Each target installs only the system packages it needs (scripts/bootstrap lists them and why).
bootstrap:
	@scripts/bootstrap test

build:
	@scripts/bootstrap build
	$(SWIFT) build

# Static Swift runtime: the installed binary runs without the toolchain's libraries, and starts
# faster (no dynamic loading). -no-pie: a position-dependent executable has no relative
# relocations to apply at each start (a PIE kimage had 78,000; the difference is a millisecond of
# every run, measured by make bench's redirect row).
RELEASE_FLAGS = -c release --static-swift-stdlib -Xswiftc -Xclang-linker -Xswiftc -no-pie
release:
	@scripts/bootstrap build
	$(SWIFT) build $(RELEASE_FLAGS)

# --disable-xctest: the tests are Swift Testing's; XCTest would only report "Executed 0 tests".
# The manual generator is built first: the install test runs make install-files, which needs it,
# and cannot run swift itself while swift test holds the build directory.
test: lint
	@scripts/bootstrap test
	$(SWIFT) build --build-tests
	@$(MAKE) --no-print-directory manual-tool
	KIMAGE_BIN=$(CURDIR)/$(DEBUG_BIN) $(SWIFT) test --skip-build --disable-xctest

# swift format lint with .swift-format: 4-space indentation, 160 columns, #if bodies not indented:
# the code as written.
# Rules switched off there (JSON has no comments), and why:
#   AlwaysUseLowerCamelCase        x86_64, v2_12: the names the specs and kernel developers use
#   DoNotUseSemicolons             one-line bodies such as `{ i += 1; continue }` throughout
#   OneVariableDeclarationPerLine  `var a = 0, b = 0` pairs that belong together
#   GroupNumericLiterals           addresses as the specs write them (0x100000, not 0x10_0000)
#   NoBlockComments                /* SHT_STRTAB */ after a constant, as C code names it
#   OneCasePerLine                 enum cases listed as a table
#   OrderedImports                 Foundation, Testing, TestSupport: framework before project
# The pretty printer's findings (LINT_LAYOUT) cannot be switched off in swift-format 6.3's
# configuration and would rewrite most files (aligned continuation lines, one-line guards): they
# are filtered out here. Any other finding fails `make test`.
LINT_LAYOUT = Indentation|AddLines|RemoveLine|Spacing|SpacingCharacter|TrailingComma|TrailingWhitespace|LineLength|EndOfLineComment
lint:
	@out=$$($(SWIFT) format lint -r Package.swift Sources Tests Fuzz 2>&1) || { echo "$$out"; exit 1; }; \
	    found=$$(printf '%s\n' "$$out" | grep -vE '\[($(LINT_LAYOUT))\]' || true); \
	    if [ -n "$$found" ]; then echo "$$found"; echo "make lint: fix the findings above (rules: .swift-format, reasons: Makefile)"; exit 1; fi

# Every generated file, in dependency order: the includes come from the layout declarations, the
# stubs include them, the embedded templates carry bootinfo.h. Tests fail when one is stale.
generate: build
	$(DEBUG_BIN) generate-includes $(CURDIR)
	scripts/gen-stubs
	scripts/gen-templates

demo: build
	@scripts/bootstrap demo
	@scripts/demo $(CURDIR)/$(DEBUG_BIN)

bench: release
	@scripts/bootstrap bench
	@scripts/bench $(CURDIR)/$(RELEASE_BIN)

FUZZ_SECONDS ?= 60
FUZZ_JOBS ?= 1
fuzz:
	@scripts/bootstrap fuzz
	@FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_JOBS=$(FUZZ_JOBS) scripts/fuzz

# ArgumentParser's manual generator (the generate-manual plugin's tool), built once, offline.
MANUAL_TOOL = .build/debug/generate-manual-tool
manual-tool:
	@[ -x "$(MANUAL_TOOL)" ] || $(SWIFT) package plugin generate-manual --help >/dev/null

# make install PREFIX=...: the binary, man pages (man kimage, man kimage-pack, ...), bash, zsh
# and fish completions, and the templates. install-files installs INSTALL_BIN (the tests: the
# debug build) without building the release one.
INSTALL_BIN ?= $(RELEASE_BIN)
install: release manual-tool
	@$(MAKE) --no-print-directory install-files

install-files:
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/kimage $(DESTDIR)$(PREFIX)/share/man/man1 \
	    $(DESTDIR)$(PREFIX)/share/bash-completion/completions $(DESTDIR)$(PREFIX)/share/zsh/site-functions \
	    $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d
	install -m 0755 $(INSTALL_BIN) $(DESTDIR)$(PREFIX)/bin/kimage
	@# generate-manual names pages kimage.pack.1; man-db finds kimage-pack.1 for both `man kimage-pack`
	@# and `man kimage pack` (git's convention), so pages and their cross references are renamed.
	@# Blank lines become .Pp (groff warns about empty mdoc lines); help and generate-includes get none.
	set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	    "$(MANUAL_TOOL)" $(INSTALL_BIN) --multi-page --date $$(date -u +%Y-%m-%d) -o "$$tmp"; \
	    rm -f "$$tmp/kimage.generate-includes.1" "$$tmp/kimage.help.1"; \
	    for page in "$$tmp"/*.1; do \
	        sed -e 's/^\.Dt KIMAGE\./.Dt KIMAGE-/' -e '/^\.Xr kimage\.\(generate-includes\|help\) /d' \
	            -e 's/^\.Xr kimage\./.Xr kimage-/' -e 's/^$$/.Pp/' "$$page" > "$$page.man"; \
	        install -m 0644 "$$page.man" $(DESTDIR)$(PREFIX)/share/man/man1/$$(basename "$$page" .1 | tr . -).1; \
	    done
	$(INSTALL_BIN) --generate-completion-script bash > $(DESTDIR)$(PREFIX)/share/bash-completion/completions/kimage
	$(INSTALL_BIN) --generate-completion-script zsh > $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_kimage
	$(INSTALL_BIN) --generate-completion-script fish > $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/kimage.fish
	cp -R templates/. $(DESTDIR)$(PREFIX)/share/kimage/
	@# templates/ld/layout.ld has placeholders: install each layout's script as kimage init renders it.
	rm -f $(DESTDIR)$(PREFIX)/share/kimage/ld/layout.ld
	set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; for l in gopher kernel jinue; do \
	    $(INSTALL_BIN) init "$$tmp/$$l" --layout $$l >/dev/null; \
	    install -m 0644 "$$tmp/$$l/linker.ld" $(DESTDIR)$(PREFIX)/share/kimage/ld/$$l.ld; done

clean:
	rm -rf .build
