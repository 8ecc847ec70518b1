import ODataModel

extension Summary.Source {
    /// The count a row falls under: the first rule whose condition holds, or nil.
    public func bucket(of value: (String) -> ODataValue?) -> String? {
        for rule in rules {
            switch rule.condition {
            case .always:
                return rule.count
            case .oneOf(let property, let values):
                switch value(property) {
                case .enumMember(let name)?, .string(let name)?:
                    if values.contains(name) { return rule.count }
                default: continue
                }
            case .greaterThan(let property, let bound):
                if case .integer(let n)? = value(property), n > bound { return rule.count }
            }
        }
        return nil
    }
}
