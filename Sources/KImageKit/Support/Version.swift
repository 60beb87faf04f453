/// The kimage release; `kimage --version` prints it.
package enum KImageVersion {
    package static let string = "0.1.0"
}
