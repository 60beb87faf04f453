# kimage.mk: the kimage steps of a kernel build (written by `kimage init`).
#
# Set before including it:
#   KERNEL_OBJS      the objects to link          LINKER_SCRIPT  the layout's linker script
#   KERNEL_ELF       the linked kernel            KERNEL_IMG     the packed boot image
#   LDFLAGS          ld flags (-m emulation ...)  REDIRECT_SOURCES  files count/redirect read
# and optionally KIMAGE (the kimage binary), BUILD, QEMU, CMDLINE, and KIMAGE_POST_LINK (a
# command run on the ELF ($@) after `kimage redirect`, e.g. a second redirect with --patch).
# Options of count, redirect and pack come from kimage.toml, so these rules name only files.

KIMAGE ?= kimage
BUILD ?= build
QEMU ?= qemu-system-x86_64
QEMU_FLAGS ?= -m 128M -serial stdio -display none -monitor none -no-reboot \
              -device isa-debug-exit,iobase=0xf4,iosize=4
# The kernel ends by writing 0x10 to port 0xf4; QEMU then exits with (0x10 << 1) | 1 = 33.
# Anything else (a triple fault ends QEMU with 0 under -no-reboot) is a failed run.
QEMU_EXIT_SUCCESS ?= 33
QEMU_TIMEOUT ?= 60

# A recipe that fails deletes its target: an ELF whose redirect failed never reaches pack.
.DELETE_ON_ERROR:

$(BUILD):
	mkdir -p $@

# NUM_REDIRECTS for the linker script (INCLUDE redirects.ld, found through -L $(BUILD)); made
# again whenever a redirect source or kimage.toml changes, so the table is never stale.
$(BUILD)/redirects.ld: kimage.toml $(REDIRECT_SOURCES) | $(BUILD)
	$(KIMAGE) count --format ld > $@

# Link, then fill .goredirectstbl with the (src, dst) addresses the boot code installs.
$(KERNEL_ELF): $(KERNEL_OBJS) $(LINKER_SCRIPT) $(BUILD)/redirects.ld kimage.toml
	$(LD) $(LDFLAGS) -L $(BUILD) -T $(LINKER_SCRIPT) -o $@ $(KERNEL_OBJS)
	$(KIMAGE) redirect $@
	$(KIMAGE_POST_LINK)

# A Linux/x86 boot-protocol image: QEMU -kernel, GRUB linux and linux16 boot it.
$(KERNEL_IMG): $(KERNEL_ELF) kimage.toml
	$(KIMAGE) pack --kernel $(KERNEL_ELF) -o $@

# Boots the image with COM1 on this terminal; succeeds only when the kernel reports success.
run: $(KERNEL_IMG)
	@status=0; timeout $(QEMU_TIMEOUT) $(QEMU) $(QEMU_FLAGS) -kernel $(KERNEL_IMG) \
	    -append "$(CMDLINE)" || status=$$?; \
	if [ $$status -ne $(QEMU_EXIT_SUCCESS) ]; then \
	    echo "make run: the kernel did not report success (QEMU exit status $$status, expected $(QEMU_EXIT_SUCCESS))" >&2; \
	    exit 1; \
	fi

clean:
	rm -rf $(BUILD)

.PHONY: run clean
