# install-provider (installMode: initContainers): copies one external
# provider's /lls-provider tree onto the volume shared with the install step,
# which then installs every provider at once in the server's own image
# (`llsd-providers install`). Run as `/bin/sh -c <this text>` in the
# provider's image: it needs sh and cp, no Python.
#
# This text is constant: every value (provider id, image) arrives in the
# environment and is only ever expanded inside double quotes, as data.
#
#   PROVIDER_ID            provider id (LLSD providerId)
#   PROVIDER_IMAGE         provider image, for messages
#   INIT_CONTAINER_NAME    this init container's name, for messages
#   LLS_PROVIDER_DIR       provider tree in the image      (default /lls-provider)
#   EXTERNAL_PROVIDERS_DIR shared volume                    (default /opt/llama-stack/external-providers)
#   TERMINATION_LOG        Kubernetes termination message  (default /dev/termination-log)
set -u

SRC="${LLS_PROVIDER_DIR:-/lls-provider}"
DEST="${EXTERNAL_PROVIDERS_DIR:-/opt/llama-stack/external-providers}"
TERMINATION_LOG="${TERMINATION_LOG:-/dev/termination-log}"
ID="${PROVIDER_ID:-}"
IMAGE="${PROVIDER_IMAGE:-unknown}"
CONTAINER="${INIT_CONTAINER_NAME:-install-provider-$ID}"
COPY="$DEST/sources/$ID/lls-provider"

# fail SUMMARY DETAILS: DETAILS (the full message) to the log, SUMMARY (one
# paragraph) to the termination log that `kubectl describe pod` shows.
fail() {
    printf '%s\n' "$2" >&2
    printf '%s\n' "$1" > "$TERMINATION_LOG" 2>/dev/null || true
    exit 1
}

# fail_in_image TITLE FIX DETAILED_FIX: the provider image lacks what the
# install step reads; the details are the block the install step writes
# for the same problem (`install::report::details_block`).
fail_in_image() {
    fail "$1 (init container $CONTAINER, provider '$ID'). Resolution: $2" \
         "ERROR: $1

Provider: $ID
Image: $IMAGE
Init Container: $CONTAINER

Resolution: $3"
}

if [ -z "$ID" ]; then
    fail "PROVIDER_ID is not set in init container $CONTAINER (image: $IMAGE)." \
         "ERROR: PROVIDER_ID is not set in init container $CONTAINER (image: $IMAGE). Resolution: re-create the Deployment so that the injection sets it."
fi

# Defence in depth: the id names a directory on the shared volume. The
# injection only ever passes DNS-1123 labels; nothing else is used here
# (a '/', '..' or newline would leave the sources directory).
case "$ID" in
    *[!abcdefghijklmnopqrstuvwxyz0123456789-]* | -* | *-) bad_id=1 ;;
    *) bad_id=0 ;;
esac
if [ "$bad_id" = 1 ] || [ "${#ID}" -gt 63 ]; then
    fail "PROVIDER_ID is not a DNS-1123 label in init container $CONTAINER (image: $IMAGE). Resolution: re-create the Deployment so that the injection sets it." \
         "ERROR: PROVIDER_ID is not a DNS-1123 label (at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit) in init container $CONTAINER (image: $IMAGE); it names a directory on the shared volume, so nothing was copied. Resolution: re-create the Deployment so that the injection sets it."
fi

if [ ! -f "$SRC/lls-provider-spec.yaml" ]; then
    fail_in_image "Missing $SRC/lls-provider-spec.yaml in image $IMAGE" \
        "build the provider image with its metadata at $SRC/lls-provider-spec.yaml." \
        "Build the provider image with its metadata file at $SRC/lls-provider-spec.yaml (see docs/external-providers.md)."
fi

if [ ! -d "$SRC/packages" ]; then
    fail_in_image "Missing $SRC/packages directory in image $IMAGE" \
        "put the provider's wheels in $SRC/packages/." \
        "Put the provider's wheel and its dependency wheels in $SRC/packages/ in the image."
fi

set -- "$SRC"/packages/*.whl
if [ ! -f "$1" ]; then
    fail_in_image "No wheels (*.whl) in $SRC/packages in image $IMAGE" \
        "put the provider's .whl files in $SRC/packages/." \
        "Build the wheels with pip wheel and copy them to $SRC/packages/ in the image."
fi

if ! rm -rf "$COPY" 2>/dev/null || ! mkdir -p "$COPY" 2>/dev/null; then
    fail "Cannot write the shared volume $DEST (init container $CONTAINER, provider '$ID', image $IMAGE). Resolution: check the pod's fsGroup and the volume mount." \
         "ERROR: Cannot write the shared volume $DEST

Provider: $ID
Image: $IMAGE
Init Container: $CONTAINER

Resolution: The volume must be writable by the init container's user; keep the pod securityContext.fsGroup or run the init container as the volume's owner."
fi

# Only the metadata and the wheels: the install step reads nothing else.
mkdir -p "$COPY/packages" &&
    cp "$SRC/lls-provider-spec.yaml" "$COPY/lls-provider-spec.yaml" &&
    cp "$@" "$COPY/packages/" ||
    fail "Cannot copy the provider tree to $COPY (init container $CONTAINER, image $IMAGE)." \
         "ERROR: Cannot copy the provider tree to $COPY (provider '$ID', image $IMAGE, init container $CONTAINER). Resolution: check that the shared volume has room (sharedVolumeSizeLimit)."

echo "Copied provider '$ID' from $IMAGE: $# wheel(s) to $COPY"
