/// Stubs a project brings itself (Jinue style): `--bootsector`, `--setup16`, `--setup32` raw
/// binaries. kimage checks them against what QEMU and GRUB reject, computes setup_sects and
/// syssize, and lays the parts out; with an own 32-bit setup it appends the kernel and loader
/// ELFs whole behind a part table (see templates/include/kimage/bootinfo.h, "own stubs").
package struct OwnStubs: Sendable {
    package let bootSector: [UInt8]
    package let bootSectorPath: String?
    package let setup16: [UInt8]?
    package let setup16Path: String?
    package let setup32: [UInt8]?

    package init(options: PackOptions) throws {
        bootSectorPath = options.bootSectorPath
        setup16Path = options.setup16Path
        if let path = options.bootSectorPath {
            var bytes = try Self.read(path)
            guard bytes.count <= 512 else {
                throw BootImageError.stubRejected(path: path, part: "--bootsector", found: "it is \(bytes.count) bytes, expected at most 512 (the setup starts at file offset 0x200)",
                                                  loader: "every loader would take its tail for the setup")
            }
            bytes += [UInt8](repeating: 0, count: 512 - bytes.count)
            guard bytes[510] == 0x55, bytes[511] == 0xAA else {
                throw BootImageError.stubRejected(path: path, part: "--bootsector", found: "no boot_flag 0xAA55 at offset 0x1FE (found \(hex(UInt16(bytes[510]) | UInt16(bytes[511]) << 8, digits: 4)))",
                                                  loader: "GRUB linux and linux16 would stop with \"invalid magic number\"")
            }
            bootSector = bytes
        } else {
            bootSector = StubBytes.bootsector
        }
        if let path = options.setup16Path {
            let bytes = try Self.read(path)
            try Self.check(setup16: bytes, path: path)
            setup16 = bytes
        } else {
            setup16 = nil
        }
        setup32 = try options.setup32Path.map { try Self.read($0) }
    }

    static func read(_ path: String) throws -> [UInt8] {
        let file = try FileBytes(path: path)
        return withExtendedLifetime(file) { Array(file.bytes) }
    }

    /// Refuses a 16-bit setup (file offset 0x200 on) that a loader would reject, naming the loader
    /// and the message it would print.
    static func check(setup16 b: [UInt8], path: String) throws {
        func reject(_ found: String, _ loader: String) -> BootImageError {
            .stubRejected(path: path, part: "--setup16", found: found, loader: loader)
        }
        let sectors = (b.count + 511) / 512
        if sectors > 64 {
            throw reject("it is \(b.count) bytes (\(sectors) sectors), expected at most 64 sectors", "GRUB linux and linux16 would stop with \"too many setup sectors\"")
        }
        guard b.count >= 8, Array(b[2..<6]) == Array("HdrS".utf8) else {
            throw reject("no \"HdrS\" at file offset 0x202", "QEMU would load it silently as an old zImage at 0x10000, and GRUB linux would stop with \"version too old for 32-bit boot (try with `linux16')\"")
        }
        let version = b.loadLE(UInt16.self, at: 6)!
        if version < 0x0203 {
            throw reject("protocol version \(SetupHeader.versionString(version)) at 0x206, expected 2.03 or later", "GRUB linux would stop with \"version too old for 32-bit boot (try with `linux16')\"")
        }
        if b[0] != 0xEB || b[1] > 0x7F {
            throw reject("the jump at 0x200 is \(hex(b[0], digits: 2)) \(hex(b[1], digits: 2)), expected EB and a header length below 0x80", "GRUB linux reads the length as a signed char and would stop with \"Linux setup header too big\" or copy a wrong header")
        }
        let headerEnd = 2 + Int(b[1])
        guard b.count >= headerEnd, b.count >= 0x12 else {
            throw reject("it is \(b.count) bytes, shorter than its own header (it ends at \(hex(0x200 + headerEnd)))", "every loader would read the header past the file's setup")
        }
        if b[0x11] & SetupHeader.loadedHigh == 0 {
            throw reject("loadflags at 0x211 lacks LOADED_HIGH", "QEMU would load the protected-mode part at 0x10000, and GRUB linux would stop with \"zImage doesn't support 32-bit boot\"")
        }
    }

    /// Boot sector + the user's 16-bit setup padded to whole sectors, setup_sects filled in.
    func realModePart(setup16: [UInt8]) -> [UInt8] {
        let sectors = max(4, (setup16.count + 511) / 512)
        var bytes = bootSector + setup16
        bytes += [UInt8](repeating: 0, count: (sectors + 1) * 512 - bytes.count)
        bytes[0x1F1] = UInt8(sectors)
        return bytes
    }
}

extension BootImagePacker {
    /// Jinue style: own 32-bit setup at 0x100000, then the part table, the kernel ELF (4 KiB
    /// aligned) and the loader ELF, whole. No load plan, no tables: the setup does it all.
    static func packWithOwnSetup32(options: PackOptions, stubs: OwnStubs, setup32: [UInt8], kernel: ELFHeaders, loader: ELFFile?) throws -> PackReport {
        let tableOffset = alignUp(setup32.count, 16)
        let entries = 1 + (loader == nil ? 0 : 1)
        let kernelOffset = alignUp(tableOffset + PartTable.layout.size + PartTable.partLayout.size * entries, 4096)
        let loaderOffset = alignUp(kernelOffset + kernel.bytes.count, 16)
        let end = loader.map { loaderOffset + $0.bytes.count } ?? kernelOffset + kernel.bytes.count
        let pmSize = alignUp(end, 16)
        var head = setup32 + [UInt8](repeating: 0, count: tableOffset - setup32.count)
        var table = PartTable(parts: [PartTable.Part(kind: .kernelELF, offset: UInt32(kernelOffset), size: UInt32(kernel.bytes.count))])
        if let loader { table.parts.append(PartTable.Part(kind: .loaderELF, offset: UInt32(loaderOffset), size: UInt32(loader.bytes.count))) }
        head += table.encode()
        head += [UInt8](repeating: 0, count: kernelOffset - head.count)

        var realMode: [UInt8]
        if let setup16 = stubs.setup16 {
            realMode = stubs.realModePart(setup16: setup16)
            fillUserHeader(&realMode, protectedModeSize: pmSize, initSize: nil)
        } else {
            // kimage's 16-bit setup and header; init_size covers the loaded bytes.
            let setupSects: Int
            (realMode, setupSects, _) = kimageSetup16(bootSector: stubs.bootSector, text: [], efi: false)
            baseHeader(setupSects: setupSects, version: options.protocolVersion, protectedModeSize: pmSize,
                       initSize: alignUp(UInt64(pmSize), BootImageLayout.pageSize)).encode(into: &realMode)
        }
        let header = try SetupHeader(decoding: realMode)
        var copies = [PayloadCopy(offset: kernelOffset, from: .kernel, sourceOffset: 0, count: kernel.bytes.count)]
        if let loader { copies.append(PayloadCopy(offset: loaderOffset, from: .loader, sourceOffset: 0, count: loader.bytes.count)) }
        let image = try writeImage(options: options, realMode: realMode, head: head, copies: copies, protectedModeSize: pmSize,
                                   kernel: kernel, loader: loader)
        let parts = ownSetupParts(realModeSize: header.realModeSize, setup32Size: setup32.count, tableOffset: tableOffset,
                                  tableSize: PartTable.layout.size + PartTable.partLayout.size * entries,
                                  kernel: (kernelOffset, kernel.bytes.count), loader: loader.map { (loaderOffset, $0.bytes.count) })
        let pmStart = UInt64(header.realModeSize)
        let report = PackReport(ownStubs: options, header: header, imageSize: pmStart + UInt64(pmSize), parts: parts)
        try BootImagePacker.commit(image, report: report, options: options)
        return report
    }

    /// The parts of an own-setup image, for pack's listing.
    static func ownSetupParts(realModeSize: Int, setup32Size: Int, tableOffset: Int, tableSize: Int,
                              kernel: (offset: Int, size: Int), loader: (offset: Int, size: Int)?) -> [PackReport.Part] {
        let pmStart = UInt64(realModeSize), base = BootImageLayout.loadAddress
        func part(_ name: String, _ offset: Int, _ size: Int) -> PackReport.Part {
            .init(name: name, fileOffset: pmStart + UInt64(offset), size: UInt64(size), physical: base + UInt64(offset))
        }
        var parts: [PackReport.Part] = [
            .init(name: "boot sector", fileOffset: 0, size: 512, physical: 0),
            .init(name: "16-bit setup", fileOffset: 512, size: UInt64(realModeSize - 512), physical: 0),
            part("32-bit setup", 0, setup32Size),
            part("part table", tableOffset, tableSize),
            part("kernel ELF", kernel.offset, kernel.size),
        ]
        if let loader { parts.append(part("loader ELF", loader.offset, loader.size)) }
        return parts
    }
}

extension PackReport {
    init(ownStubs options: PackOptions, header: SetupHeader, imageSize: UInt64, parts: [Part]) {
        image = options.outputPath
        self.imageSize = imageSize
        protocolVersion = header.versionString
        setupSects = Int(header.setupSects)
        syssize = header.syssize
        initSize = header.initSize
        pagingMode = "own 32-bit setup"
        handoff = nil
        handoffReason = nil
        entry = BootImageLayout.loadAddress
        cr3 = 0
        tableCount = 0
        bootInfo = 0
        multibootInfo = nil
        movedTo = nil
        stackTop = 0
        firstFree = 0
        segments = []
        self.parts = parts
        efiEntry = nil
        inputs = options.namedInputs.map(\.path)
    }
}
