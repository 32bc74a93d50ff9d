import ArgumentParser
import Foundation
import Marginalia

extension MarginaliaCommand {
    struct SetCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set",
            abstract: "Named annotation sets: a saved filter and/or chosen annotations, shared with your groups.",
            discussion: """
                Examples:
                  marginalia set create chapter-one --doc essay --tag thesis
                  marginalia set add chapter-one 3f2a 9c01
                  marginalia export --set chapter-one --format markdown
                """,
            subcommands: [Create.self, Add.self, Remove.self, Rename.self, Edit.self, List.self, Show.self])
    }
}

extension MarginaliaCommand.SetCommand {
    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "create",
            abstract: "Create a set from a filter and/or annotation ids. Prints the set's id.",
            discussion: """
                An annotation belongs to the set when it is one of the ids given (or added later \
                with `set add`), or passes every filter given. Sets are shared unless --private, \
                and sync to your groups like annotations.

                Examples:
                  marginalia set create thesis --tag thesis
                  marginalia set create for-the-club --doc middlemarch --author Ada --since 2026-11-01
                  marginalia set create favourites 6f9a 9c01
                """)

        @OptionGroup var options: LibraryOptions

        @Argument(help: "The set's name.")
        var name: String

        @Argument(help: "Annotations to include (ids or unique prefixes).")
        var ids: [String] = []

        @OptionGroup var filter: FilterOptions

        @Flag(help: "Keep the set out of group folders.")
        var `private` = false

        func run() throws {
            let set = try options.writing { library in
                try library.createSet(
                    name, filter: filter.setFilter, members: ids, visibility: `private` ? .private : .shared)
            }
            if set.isEmpty { Terminal.info("the set is empty: add annotations with `marginalia set add \(set.name) ID...`") }
            Terminal.print(set.id)
        }
    }

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add",
            abstract: "Add annotations to a set.",
            discussion: "Example: marginalia set add thesis 6f9a 9c01")

        @OptionGroup var target: SetMembers

        func run() throws {
            try target.change { library, name, ids in try library.addToSet(name, annotations: ids) }
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rm",
            abstract: "Remove annotations from a set's chosen members.",
            discussion: """
                An annotation that passes the set's filter stays in it: only the choice is removed.

                Example: marginalia set rm thesis 6f9a
                """)

        @OptionGroup var target: SetMembers

        func run() throws {
            try target.change { library, name, ids in try library.removeFromSet(name, annotations: ids) }
        }
    }

    /// The set and annotations that `set add` and `set rm` act on, and what they print.
    struct SetMembers: ParsableArguments {
        @OptionGroup var options: LibraryOptions

        @Argument(help: "The set's name or id.")
        var name: String

        @Argument(help: "Annotation ids or unique prefixes.")
        var ids: [String]

        func change(_ body: (Library, String, [String]) throws -> AnnotationSet) throws {
            let set = try options.writing { try body($0, name, ids) }
            Terminal.info("\(set.name): \(Render.counted(set.members.count, "chosen annotation"))")
        }
    }

    struct Rename: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rename",
            abstract: "Rename a set (the change syncs to your groups).",
            discussion: "Example: marginalia set rename thesis chapter-2")

        @OptionGroup var options: LibraryOptions

        @Argument(help: "The set's name or id.")
        var name: String

        @Argument(help: "Its new name.")
        var newName: String

        func run() throws {
            let set = try options.writing { try $0.renameSet(name, to: newName) }
            Terminal.info("renamed the set \(set.id.prefix(8)) to \(set.name)")
        }
    }

    struct Edit: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "edit",
            abstract: "Change a set's filter (the change syncs to your groups).",
            discussion: """
                Each condition given replaces the one the set has; the others stay. \
                --clear-filter drops every condition first (then the set is its chosen members \
                and whatever conditions are given with it).

                Examples:
                  marginalia set edit thesis --tag chapter-2
                  marginalia set edit for-the-club --clear-filter --doc middlemarch
                """)

        @OptionGroup var options: LibraryOptions

        @Argument(help: "The set's name or id.")
        var name: String

        @OptionGroup var filter: FilterOptions

        @Flag(help: "Drop the set's conditions before applying those given.")
        var clearFilter = false

        func validate() throws {
            if filter.isEmpty, !clearFilter {
                throw ValidationError("give a condition to change (--doc, --tag, --author, --since) or --clear-filter")
            }
        }

        func run() throws {
            let set = try options.writing { library in
                try library.changeSetFilter(name) { (clearFilter ? SetFilter() : $0).replacingConditions(with: filter.setFilter) }
            }
            Terminal.info("\(set.name): filter \(describe(set.filter))")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list",
            abstract: "List the sets.",
            discussion: "Example: marginalia set list --json")

        @OptionGroup var options: LibraryOptions
        @OptionGroup var output: OutputOptions

        func run() throws {
            let library = try options.open()
            let sets = try library.sets()
            if output.json {
                let readers = try library.readerNames()
                Terminal.print(JSONValue.array(sets.map { $0.jsonValue(readers: readers) }).prettyJSON)
                return
            }
            for set in sets {
                let count = try library.setAnnotations(set.id).count
                Terminal.print(
                    "\(set.id.prefix(8))  \(set.name)  \(Render.counted(count, "annotation"))  \(describe(set.filter))"
                        + (set.visibility == .private ? "  (private)" : ""))
            }
            if sets.isEmpty { Terminal.info("no sets yet; `marginalia set create NAME --tag T` makes one") }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show",
            abstract: "Show a set: its filter, chosen members and every annotation in it.",
            discussion: "Example: marginalia set show thesis --json")

        @OptionGroup var options: LibraryOptions
        @OptionGroup var output: OutputOptions

        @Argument(help: "The set's name or id.")
        var name: String

        func run() throws {
            let library = try options.open()
            let set = try library.annotationSet(name)
            let annotations = try library.setAnnotations(set.id)
            let readers = try library.readerNames()
            if output.json {
                Terminal.print(set.jsonValue(readers: readers, annotations: annotations).prettyJSON)
                return
            }
            Terminal.print("\(set.name)  (\(set.id))")
            Terminal.print("filter: \(describe(set.filter))")
            Terminal.print("chosen: \(set.members.isEmpty ? "none" : set.members.map { String($0.prefix(8)) }.joined(separator: " "))")
            let render = try Render(library: library)
            for annotation in annotations { Terminal.print(render.line(.annotation(annotation))) }
            if annotations.isEmpty { Terminal.info("the set holds no annotation") }
        }
    }
}

/// `--doc --tag --author --since`: the conditions of a set's filter.
/// `--doc essay --tag thesis`, or `none`.
private func describe(_ filter: SetFilter) -> String {
    var parts: [String] = []
    if let document = filter.document { parts.append("--doc \(document)") }
    if let tag = filter.tag { parts.append("--tag \(tag)") }
    if let author = filter.author { parts.append("--author \(author)") }
    if let since = filter.since { parts.append("--since \(Timestamps.iso8601(since))") }
    return parts.isEmpty ? "none" : parts.joined(separator: " ")
}
