package io.virtwire.provisioner;

/**
 * The one JSON shape of an error in virtwire's output, {@code {"kind": ..., "message": ...}} under an {@code error}
 * key (docs/json-output.md, docs/schemas/error.json): the CLI's failures, a failed step in {@code host apply}'s
 * report, a failed real demo, the forwarder's refusals. {@code kind} names the category callers branch on
 * ({@link VirtwireException.Kind}, or the forwarder's own code); {@code message} is for people.
 */
public record JsonError(String kind, String message) {

    public static JsonError of(VirtwireException.Kind kind, String message) {
        return new JsonError(kind.name(), message);
    }
}
