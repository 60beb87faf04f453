import Foundation
import Testing
import KImageKit
import TestSupport

/// Long-mode entries of the protected-mode part. startup_64 at +0x200 (XLF_KERNEL_64) is the
/// Linux 64-bit boot protocol's entry (boot.rst; kexec's bzImage64 loader enters there), and
/// code32_start itself tells long mode from protected mode: 64-bit U-Boot's zboot (2023.01,
/// arch/x86/lib/zimage.c) jumps to code32_start still in long mode, whatever xloadflags say.
/// Both run startup_64: leave long mode, then the one 32-bit setup. No loader here enters at
/// +0x200 directly (GRUB 2.06 and OVMF enter at code32_start in protected mode); U-Boot proves
/// the long-mode path, a unit test that +0x200 holds it.
@Suite struct Boot64EntryTests {
    @Test func uBootZbootEntersInLongModeAndTheKernelGetsCommandLineInitrdAndE820() throws {
        let rom = try UBoot.requireROM()
        let dir = try TemporaryDirectory()
        let initrd = try PackFixture.initrd(in: dir, size: 5000)
        // An ELF32 kernel with no tables: the smallest image (see the size limit below). With
        // -m 256M U-Boot keeps the top for itself: its E820 RAM ends at 0xED10000 (237 MiB).
        var spec = PackFixture.Spec(name: "a2", bits64: false, virtualBase: 0x20_0000,
                                    expectedCmdline: "from u-boot zboot", ramMB: 238, paging: 0, initrdSize: 5000)
        spec.physicalBase = 0x20_0000
        let elf = try PackFixture.build(spec, in: dir)
        let image = dir.file("a2.img")
        // 64-bit U-Boot 2023.01 runs on a stack near 0x10E4E8 and copies the protected-mode part
        // to 0x100000 over it: only a part under ~57 KiB survives, so no EFI stub here.
        let packed = try kimage(["pack", "--kernel", elf, "-o", image, "--no-efi"])
        #expect(packed.status == 0, "\(packed.stderr)")
        #expect(try contentsOf(image).count - 0x1000 < 0xE000, "small enough for U-Boot's copy")
        let h = try SetupHeader(decoding: try contentsOf(image))
        #expect(h.xloadflags & SetupHeader.xlfKernel64 != 0)
        let boot = try UBoot.zboot(rom: rom, image: image, initrd: initrd, append: "from u-boot zboot", memory: "256M")
        #expect(boot.debugExit == 0x10, "fixture a2 under U-Boot zboot did not pass:\n\(boot.serial)\(boot.result.stderr)")
        #expect(boot.serial.contains("PASS") && !boot.serial.contains("FAIL"), "\(boot.serial)")
        #expect(boot.serial.contains("Jumping to 64-bit U-Boot"), "the loader runs in long mode: \(boot.serial)")
        #expect(boot.serial.contains("cmdline \"from u-boot zboot\""), "\(boot.serial)")
    }
}
