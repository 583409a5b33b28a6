# install-provider: installs one external provider's wheels into the volume
# shared with the Llama Stack server. Run as `/bin/sh -c <this text>` in the
# provider's image.
#
# This text is constant: every value (provider id, image, config) arrives in
# the environment and is only ever expanded inside double quotes, as data.
#
#   PROVIDER_ID            provider id (LLSD providerId)
#   PROVIDER_IMAGE         provider image, for messages
#   INIT_CONTAINER_NAME    this init container's name, for messages
#   PROVIDER_CRD_CONFIG    crd-config.yaml content (JSON), written verbatim
#   LLS_PROVIDER_DIR       provider tree in the image      (default /lls-provider)
#   EXTERNAL_PROVIDERS_DIR shared volume                    (default /opt/llama-stack/external-providers)
#   TERMINATION_LOG        Kubernetes termination message  (default /dev/termination-log)
#   PYTHON                 interpreter running pip          (default python3)
set -u

SRC="${LLS_PROVIDER_DIR:-/lls-provider}"
DEST="${EXTERNAL_PROVIDERS_DIR:-/opt/llama-stack/external-providers}"
TERMINATION_LOG="${TERMINATION_LOG:-/dev/termination-log}"
PY="${PYTHON:-python3}"
ID="${PROVIDER_ID:-}"
IMAGE="${PROVIDER_IMAGE:-unknown}"
CONTAINER="${INIT_CONTAINER_NAME:-install-provider-$ID}"
PACKAGES="$DEST/python-packages"
INSTALLED="$DEST/installed-packages.txt"
METADATA="$DEST/metadata/$ID"

# fail SUMMARY DETAILS: DETAILS (the full message) to the log, SUMMARY (one
# paragraph) to the termination log that `kubectl describe pod` shows.
fail() {
    printf '%s\n' "$2" >&2
    printf '%s\n' "$1" > "$TERMINATION_LOG" 2>/dev/null || true
    exit 1
}

if [ -z "$ID" ]; then
    fail "PROVIDER_ID is not set in init container $CONTAINER (image: $IMAGE)." \
         "ERROR: PROVIDER_ID is not set in init container $CONTAINER (image: $IMAGE). Resolution: re-create the Deployment so that the injection sets it."
fi

if [ ! -f "$SRC/lls-provider-spec.yaml" ]; then
    fail "Missing $SRC/lls-provider-spec.yaml in image $IMAGE (init container $CONTAINER, provider '$ID'). Resolution: build the provider image with its metadata at $SRC/lls-provider-spec.yaml." \
         "ERROR: Missing $SRC/lls-provider-spec.yaml in image $IMAGE

Provider: $ID
Image: $IMAGE
Init Container: $CONTAINER

Resolution: Build the provider image with its metadata file at $SRC/lls-provider-spec.yaml (see docs/external-providers.md)."
fi

if [ ! -d "$SRC/packages" ]; then
    fail "Missing $SRC/packages directory in image $IMAGE (init container $CONTAINER, provider '$ID'). Resolution: put the provider's wheels in $SRC/packages/." \
         "ERROR: Missing $SRC/packages directory in image $IMAGE

Provider: $ID
Image: $IMAGE
Init Container: $CONTAINER

Resolution: Put the provider's wheel and its dependency wheels in $SRC/packages/ in the image."
fi

set -- "$SRC"/packages/*.whl
if [ ! -f "$1" ]; then
    fail "No wheels in $SRC/packages in image $IMAGE (init container $CONTAINER, provider '$ID'). Resolution: put the provider's .whl files in $SRC/packages/." \
         "ERROR: No wheels (*.whl) in $SRC/packages in image $IMAGE

Provider: $ID
Image: $IMAGE
Init Container: $CONTAINER

Resolution: Build the wheels with pip wheel and copy them to $SRC/packages/ in the image."
fi

if ! mkdir -p "$PACKAGES" "$METADATA" 2>/dev/null || ! touch "$INSTALLED" 2>/dev/null; then
    fail "Cannot write the shared volume $DEST (init container $CONTAINER, provider '$ID', image $IMAGE). Resolution: check the pod's fsGroup and the volume mount." \
         "ERROR: Cannot write the shared volume $DEST

Provider: $ID
Image: $IMAGE
Init Container: $CONTAINER

Resolution: The volume must be writable by the init container's user; keep the pod securityContext.fsGroup or run the init container as the volume's owner."
fi

# Versions earlier providers installed are constraints: pip refuses a wheel
# whose version differs (a dependency conflict between providers).
if output=$(PIP_CONFIG_FILE=/dev/null "$PY" -m pip install --no-index --no-deps --no-cache-dir \
        --disable-pip-version-check --no-warn-script-location \
        --find-links "$SRC/packages" --target "$PACKAGES" --constraint "$INSTALLED" "$@" 2>&1); then
    printf '%s\n' "$output"
else
    if printf '%s' "$output" | grep -q -e 'conflicting dependencies' -e 'ResolutionImpossible'; then
        fail "Cannot install provider '$ID' (image $IMAGE, init container $CONTAINER) due to dependency conflict with packages installed by an earlier provider; see the container log and $INSTALLED. Resolution: use compatible dependency versions or reorder providers." \
             "ERROR: Cannot install provider '$ID' due to dependency conflict

Provider: $ID
Image: $IMAGE
Init Container: $CONTAINER

Pip installation failed with:
$output

Previously installed packages can be found in: /opt/llama-stack/external-providers/installed-packages.txt

Resolution: Update provider images to use compatible dependency versions, or reorder providers in the CRD if one provider's dependencies are a superset of another's."
    fi
    fail "pip could not install provider '$ID' (image $IMAGE, init container $CONTAINER); see the container log. Resolution: check the wheels in $SRC/packages match the server's Python." \
         "ERROR: Cannot install provider '$ID'

Provider: $ID
Image: $IMAGE
Init Container: $CONTAINER

Pip installation failed with:
$output

Resolution: Check that the wheels in $SRC/packages are complete and built for the server's Python version and platform."
fi

# Record name==version of each wheel, tagged with the provider id
# (wheel file names are name-version[-build]-python-abi-platform.whl).
for wheel in "$@"; do
    file=${wheel##*/}
    name=${file%%-*}
    rest=${file#*-}
    version=${rest%%-*}
    line=$(printf '%s==%s  # provider: %s' "$name" "$version" "$ID")
    grep -qxF "$line" "$INSTALLED" || printf '%s\n' "$line" >> "$INSTALLED"
done

cp "$SRC/lls-provider-spec.yaml" "$METADATA/lls-provider-spec.yaml" &&
    printf '%s\n' "${PROVIDER_CRD_CONFIG:-}" > "$METADATA/crd-config.yaml" ||
    fail "Cannot write provider metadata to $METADATA (init container $CONTAINER, image $IMAGE)." \
         "ERROR: Cannot write provider metadata to $METADATA (provider '$ID', image $IMAGE, init container $CONTAINER)."

echo "Installed provider '$ID' from $IMAGE: $# wheel(s) into $PACKAGES"
