import FloorInsert

// The same insert as `stack-floor insert`, without the argument parser:
// `stack-floor-grdb LIBRARY DOCUMENT`.
let arguments = CommandLine.arguments
guard arguments.count == 3 else { fatalError("usage: stack-floor-grdb LIBRARY DOCUMENT") }
try insertAnnotationRow(library: arguments[1], document: arguments[2])
