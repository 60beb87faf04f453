/// The kimage release; `kimage --version` prints it.
public enum KImageVersion {
    public static let string = "0.1.0"
}
