package io.virtwire.vhostuser.backend;

/**
 * A well-formed request that cannot be applied (a ring size above the device's maximum, features never offered);
 * the message says why, and the front-end hears it as a failed REPLY_ACK when it can be told.
 */
final class RequestFailedException extends Exception {

    RequestFailedException(String message) {
        super(message);
    }
}
