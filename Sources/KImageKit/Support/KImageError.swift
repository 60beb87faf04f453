/// What every failure kimage reports provides. Each area declares its own error enum in its own
/// folder, a case per failure, conforming to this; code throws the area's error as is, so this
/// base layer depends on no area. `description` is the message users see: what was found, what
/// was expected, what to do. The CLI prints it after `kimage: error: ` and exits 1 (or 64 when it
/// came from parsing an option's value, as a usage error).
package protocol KImageError: Error, CustomStringConvertible, Sendable {}
